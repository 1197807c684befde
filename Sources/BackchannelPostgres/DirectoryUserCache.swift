import BackchannelCore
import Foundation
import Logging
import Synchronization

/// This node's answers of the `store` directory, kept coherent with every other node's writes by PostgreSQL's
/// `LISTEN`/`NOTIFY`: every transaction that changes users notifies ``channel`` (delivered at its commit), and
/// each node, listening on its change feed (``PostgresChangeFeed``), forgets everything it kept when a notification arrives.
///
/// No stale answer outlives the notification of the change: a lookup notes the generation before it reads
/// and keeps its answer only if no notification came meanwhile (a change committed before the read is seen
/// by the read; one committed after it bumps the generation). While the node is not listening (before the
/// first `LISTEN`, after a lost connection, until it listens again) nothing is kept or answered from here,
/// and what was kept is forgotten, so a missed notification cannot leave an answer behind. A connection that
/// breaks silently is judged lost when the feed's heartbeat does not come back within
/// ``PostgresChangeFeed/heartbeatDeadline``; entries also expire after ``lifetime``.
final class DirectoryUserCache: FeedWatched {
    /// The notification channel.
    static let channel = "backchannel_directory_users"
    /// The longest an answer is kept.
    static let lifetime: TimeInterval = 30

    private struct Entry {
        var user: DirectoryUser?
        var until: Date
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var generation: UInt64 = 0
        var listening = false
        /// Tests waiting for the node to listen, or for so many notifications (``waitUntil(listening:generation:)``).
        var watchers = FeedWatchers()
    }

    private let state = Mutex(State())
    private let capacity: Int
    private let clock: any BackchannelClock

    init(capacity: Int = 100_000, clock: any BackchannelClock) {
        self.capacity = capacity
        self.clock = clock
    }

    /// The answer kept for `key`, when there is a fresh one and the node listens.
    func answer(for key: String) -> DirectoryUser?? {
        let now = clock.now
        return state.withLock { state in
            guard state.listening, let entry = state.entries[key], entry.until > now else { return nil }
            return .some(entry.user)
        }
    }

    /// The generation a lookup starts at (call before reading the database).
    func generation() -> UInt64 {
        state.withLock { $0.generation }
    }

    /// Keeps what a lookup read, unless a change was notified since `generation` or the node does not listen.
    func keep(_ user: DirectoryUser?, for key: String, readAt generation: UInt64) {
        let until = clock.now.addingTimeInterval(Self.lifetime)
        state.withLock { state in
            guard state.listening, state.generation == generation else { return }
            if state.entries.count >= capacity { state.entries.removeAll(keepingCapacity: true) }
            state.entries[key] = Entry(user: user, until: until)
        }
    }

    /// A change was notified (or may have been missed): forget everything.
    func invalidate(listening: Bool? = nil) {
        let ready = state.withLock { state in
            state.generation &+= 1
            state.entries.removeAll(keepingCapacity: true)
            if let listening { state.listening = listening }
            return state.watchers.ready(listening: state.listening, seen: state.generation)
        }
        for continuation in ready { continuation.resume() }
    }

    /// Returns once the node listens (or not, as asked) and has seen at least `generation`, or once the task is
    /// cancelled: for tests.
    func waitUntil(listening: Bool, generation: UInt64 = 0) async {
        await waitForFeed(listening: listening, seen: generation)
    }

    func withWatchers<Result: Sendable>(_ body: (inout FeedWatchers, _ listening: Bool, _ seen: UInt64) -> Result) -> Result {
        state.withLock { state in body(&state.watchers, state.listening, state.generation) }
    }
}
