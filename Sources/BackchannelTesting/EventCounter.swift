import Synchronization

/// Counts events by kind (deliveries sent, notifications received, mails relayed) and lets a test wait
/// until a kind has been seen a number of times: the event itself resumes the waiting test, so a test
/// never polls a counter on a timer. A wait that is never satisfied ends with the test's time limit.
public final class EventCounter<Kind: Hashable & Sendable>: Sendable {
    private struct State {
        var counts: [Kind: Int] = [:]
        var waiting: [(kind: Kind, count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())

    /// Creates a counter with nothing counted.
    public init() {}

    /// Counts one event of `kind`, resuming the waits it satisfies.
    public func record(_ kind: Kind) {
        let satisfied = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.counts[kind, default: 0] += 1
            let count = state.counts[kind, default: 0]
            let ready = state.waiting.filter { $0.kind == kind && $0.count <= count }.map(\.continuation)
            state.waiting.removeAll { $0.kind == kind && $0.count <= count }
            return ready
        }
        for continuation in satisfied { continuation.resume() }
    }

    /// How many events of `kind` were counted.
    public subscript(kind: Kind) -> Int {
        state.withLock { $0.counts[kind, default: 0] }
    }

    /// Suspends until `count` events of `kind` have been counted (at once if they have).
    public func wait(for kind: Kind, count: Int = 1) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                guard state.counts[kind, default: 0] < count else { return true }
                state.waiting.append((kind, count, continuation))
                return false
            }
            if now { continuation.resume() }
        }
    }
}
