/// Tests waiting on a cache the change feed keeps coherent (``PendingPollCache``, ``DirectoryUserCache``): for
/// its node to listen (or not) and to have seen at least so many changes. Kept under the cache's lock.
struct FeedWatchers {
    private struct Waiter {
        var listening: Bool
        var seen: UInt64
        var continuation: CheckedContinuation<Void, Never>
    }

    private var waiting: [Int: Waiter] = [:]
    private var nextID = 0

    /// Whether a cache that listens as `listening` and has seen `seen` changes is what a waiter asked for.
    private static func satisfies(_ wanted: (listening: Bool, seen: UInt64), _ listening: Bool, _ seen: UInt64) -> Bool {
        listening == wanted.listening && seen >= wanted.seen
    }

    /// A new waiter's identity, to add it and to cancel it by.
    mutating func newID() -> Int {
        defer { nextID += 1 }
        return nextID
    }

    /// Adds a waiter, unless the cache is already as it asks.
    /// - Returns: `true` when it is (the caller resumes `continuation` at once, outside the lock).
    mutating func wait(
        id: Int, listening: Bool, seen: UInt64, _ continuation: CheckedContinuation<Void, Never>, now: (listening: Bool, seen: UInt64)
    ) -> Bool {
        if Self.satisfies((listening, seen), now.listening, now.seen) { return true }
        waiting[id] = Waiter(listening: listening, seen: seen, continuation: continuation)
        return false
    }

    /// Removes a waiter whose task was cancelled and returns it (resume it outside the lock); `nil` when it is gone.
    mutating func cancel(_ id: Int) -> CheckedContinuation<Void, Never>? {
        waiting.removeValue(forKey: id)?.continuation
    }

    /// Removes and returns the waiters the cache now satisfies (resume them outside the lock).
    mutating func ready(listening: Bool, seen: UInt64) -> [CheckedContinuation<Void, Never>] {
        guard !waiting.isEmpty else { return [] }
        let ready = waiting.filter { Self.satisfies(($0.value.listening, $0.value.seen), listening, seen) }
        for id in ready.keys { waiting.removeValue(forKey: id) }
        return ready.values.map(\.continuation)
    }
}

/// A cache tests can wait on through ``FeedWatchers``.
protocol FeedWatched: Sendable {
    /// Runs `body` under the cache's lock, with its watchers and whether it listens and how many changes it has seen.
    func withWatchers<Result: Sendable>(_ body: (inout FeedWatchers, _ listening: Bool, _ seen: UInt64) -> Result) -> Result
}

extension FeedWatched {
    /// Returns once the cache listens (or not, as asked) and has seen at least `seen` changes, or once the task
    /// is cancelled: a test's time limit then ends that test, not the whole run.
    func waitForFeed(listening: Bool, seen: UInt64) async {
        let id = withWatchers { watchers, _, _ in watchers.newID() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = withWatchers { watchers, nowListening, nowSeen in
                    // Checked under the lock: a cancellation after it finds the waiter and resumes it.
                    Task.isCancelled || watchers.wait(id: id, listening: listening, seen: seen, continuation, now: (nowListening, nowSeen))
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            withWatchers { watchers, _, _ in watchers.cancel(id) }?.resume()
        }
    }
}
