/// Tasks waiting for a count (sleepers, reports) to reach a threshold, kept under their owner's lock:
/// what ``VirtualClock/waitForSleepers(_:)`` and ``RecordingCompletionSink/waitForReports(_:)`` wait with.
struct CountWaiters {
    private var waiting: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []

    /// Keeps `continuation` until the count reaches `count`. - Returns: whether `current` already has
    /// (the caller resumes it at once, outside the lock).
    mutating func register(_ count: Int, current: Int, _ continuation: CheckedContinuation<Void, Never>) -> Bool {
        guard current < count else { return true }
        waiting.append((count, continuation))
        return false
    }

    /// The waiters the count `current` satisfies, removed: the caller resumes them outside the lock.
    mutating func satisfied(by current: Int) -> [CheckedContinuation<Void, Never>] {
        defer { waiting.removeAll { $0.count <= current } }
        return waiting.filter { $0.count <= current }.map(\.continuation)
    }
}
