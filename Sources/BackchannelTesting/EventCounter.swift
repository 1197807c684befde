import Synchronization

/// Counts events by kind (deliveries sent, notifications received, mails relayed) and lets a test wait
/// until a kind has been seen a number of times: the event itself resumes the waiting test, so a test
/// never polls a counter on a timer. A wait that is never satisfied ends with the test's time limit.
public final class EventCounter<Kind: Hashable & Sendable>: Sendable {
    private struct State {
        var counts: [Kind: Int] = [:]
        var waiters: [Kind: CountWaiters] = [:]
    }

    private let state = Mutex(State())

    /// Creates a counter with nothing counted.
    public init() {}

    /// Counts one event of `kind`, resuming the waits it satisfies.
    public func record(_ kind: Kind) {
        let satisfied = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.counts[kind, default: 0] += 1
            return state.waiters[kind]?.satisfied(by: state.counts[kind, default: 0]) ?? []
        }
        for continuation in satisfied { continuation.resume() }
    }

    /// How many events of `kind` were counted.
    public subscript(kind: Kind) -> Int {
        state.withLock { $0.counts[kind, default: 0] }
    }

    /// Suspends until `count` events of `kind` have been counted (at once if they have), or the task is
    /// cancelled.
    public func wait(for kind: Kind, count: Int = 1) async {
        let id = state.withLock { $0.waiters[kind, default: CountWaiters()].makeId() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { $0.waiters[kind, default: CountWaiters()].register(id, count, current: $0.counts[kind, default: 0], continuation) }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters[kind]?.cancel(id) }?.resume()
        }
    }
}
