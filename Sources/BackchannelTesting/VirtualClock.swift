import BackchannelCore
import Foundation
import Synchronization

/// A clock that moves only when a test moves it, so lifecycle tests never wait for real time.
///
/// Tasks sleeping on it wake, in deadline order, when ``advance(by:)`` carries `now` past their deadline.
public final class VirtualClock: BackchannelClock, CountWaitable {
    private struct Sleeper {
        var id: UInt64
        var deadline: Date
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Date
        var nextId: UInt64 = 0
        var sleepers: [Sleeper] = []
        /// Tasks waiting for so many sleepers (``waitForSleepers(_:)``).
        var waiters = CountWaiters()
    }

    private let state: Mutex<State>

    /// Creates a clock showing `start` (by default a fixed, round instant).
    public init(start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        self.state = Mutex(State(now: start))
    }

    public var now: Date { state.withLock { $0.now } }

    /// How many tasks are sleeping on this clock.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// Suspends until at least `count` tasks sleep on this clock: the event a test waits for before it
    /// advances the clock past their deadlines, instead of spinning on ``sleeperCount``. Since 1.6.
    /// A cancelled wait ends at once.
    public func waitForSleepers(_ count: Int = 1) async {
        await waitForCount(count)
    }

    func withWaiters<Result>(_ body: (inout CountWaiters, Int) -> Result) -> Result {
        state.withLock { body(&$0.waiters, $0.sleepers.count) }
    }

    public func sleep(until deadline: Date) async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextId += 1
            return state.nextId
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let (resumeNow, watchers) = state.withLock { state -> (Bool, [CheckedContinuation<Void, Never>]) in
                    if Task.isCancelled || deadline <= state.now { return (true, []) }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return (false, state.waiters.satisfied(by: state.sleepers.count))
                }
                for watcher in watchers { watcher.resume() }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let sleeper: Sleeper? = state.withLock { state in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
        try Task.checkCancellation()
    }

    /// Moves the clock forward and wakes every sleeper whose deadline has now passed, then lets the woken
    /// tasks run briefly so their effects are visible to the caller.
    public func advance(by seconds: TimeInterval) async {
        let due: [Sleeper] = state.withLock { state in
            state.now = state.now.addingTimeInterval(seconds)
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }.sorted { $0.deadline < $1.deadline }
            state.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
        if !due.isEmpty {
            // Give the woken tasks a chance to run before the test looks at their effects.
            for _ in 0..<10 { await Task.yield() }
        }
    }
}
