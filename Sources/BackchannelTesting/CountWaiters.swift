/// Tasks waiting for a count (sleepers, reports, events) to reach a threshold, kept under their owner's lock:
/// what ``VirtualClock/waitForSleepers(_:)``, ``RecordingCompletionSink/waitForReports(_:)`` and
/// ``EventCounter/wait(for:count:)`` wait with. A wait ends early when its task is cancelled, so a test can
/// race two waits (``firstOf(_:_:)``).
struct CountWaiters {
    private var waiting: [(id: UInt64, count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    private var nextId: UInt64 = 0

    /// A new waiter's identity, to register and to cancel it by.
    mutating func makeId() -> UInt64 {
        nextId += 1
        return nextId
    }

    /// Keeps `continuation` until the count reaches `count`. - Returns: whether `current` already has, or the
    /// waiting task was cancelled (the caller resumes it at once, outside the lock).
    mutating func register(_ id: UInt64, _ count: Int, current: Int, _ continuation: CheckedContinuation<Void, Never>) -> Bool {
        guard current < count, !Task.isCancelled else { return true }
        waiting.append((id, count, continuation))
        return false
    }

    /// The waiters the count `current` satisfies, removed: the caller resumes them outside the lock.
    mutating func satisfied(by current: Int) -> [CheckedContinuation<Void, Never>] {
        defer { waiting.removeAll { $0.count <= current } }
        return waiting.filter { $0.count <= current }.map(\.continuation)
    }

    /// The cancelled waiter, removed: the caller resumes it outside the lock.
    mutating func cancel(_ id: UInt64) -> CheckedContinuation<Void, Never>? {
        guard let index = waiting.firstIndex(where: { $0.id == id }) else { return nil }
        return waiting.remove(at: index).continuation
    }
}

/// An owner of ``CountWaiters``: a count under its lock that tests wait on.
protocol CountWaitable: AnyObject, Sendable {
    /// Runs `body` under the owner's lock with its waiters and the count now.
    func withWaiters<Result>(_ body: (inout CountWaiters, Int) -> Result) -> Result
}

extension CountWaitable {
    /// Suspends until the count reaches `count` (at once if it has), or the task is cancelled.
    func waitForCount(_ count: Int) async {
        let id = withWaiters { waiters, _ in waiters.makeId() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                if withWaiters({ $0.register(id, count, current: $1, continuation) }) { continuation.resume() }
            }
        } onCancel: {
            withWaiters { waiters, _ in waiters.cancel(id) }?.resume()
        }
    }
}

/// Runs two waits at once and returns which ended first (0 or 1), cancelling the other: for a test that
/// advances a virtual clock while work sleeps on it, until the work reports (whichever comes first).
public func firstOf(_ first: @escaping @Sendable () async -> Void, _ second: @escaping @Sendable () async -> Void) async -> Int {
    await withTaskGroup(of: Int.self) { group in
        group.addTask {
            await first()
            return 0
        }
        group.addTask {
            await second()
            return 1
        }
        let winner = await group.next() ?? 0
        group.cancelAll()
        return winner
    }
}
