/// Tests waiting on a cache the change feed keeps coherent (``PendingPollCache``, ``DirectoryUserCache``): for
/// its node to listen (or not) and to have seen at least so many changes. Kept under the cache's lock.
struct FeedWatchers {
    private var waiting: [(listening: Bool, seen: UInt64, continuation: CheckedContinuation<Void, Never>)] = []

    /// Whether a cache that listens as `listening` and has seen `seen` changes is what a waiter asked for.
    private static func satisfies(_ wanted: (listening: Bool, seen: UInt64), _ listening: Bool, _ seen: UInt64) -> Bool {
        listening == wanted.listening && seen >= wanted.seen
    }

    /// Adds a waiter, unless the cache is already as it asks.
    /// - Returns: `true` when it is (the caller resumes `continuation` at once, outside the lock).
    mutating func wait(
        listening: Bool, seen: UInt64, _ continuation: CheckedContinuation<Void, Never>, now: (listening: Bool, seen: UInt64)
    ) -> Bool {
        if Self.satisfies((listening, seen), now.listening, now.seen) { return true }
        waiting.append((listening, seen, continuation))
        return false
    }

    /// Removes and returns the waiters the cache now satisfies (resume them outside the lock).
    mutating func ready(listening: Bool, seen: UInt64) -> [CheckedContinuation<Void, Never>] {
        var ready: [CheckedContinuation<Void, Never>] = []
        waiting.removeAll { waiter in
            guard Self.satisfies((waiter.listening, waiter.seen), listening, seen) else { return false }
            ready.append(waiter.continuation)
            return true
        }
        return ready
    }
}
