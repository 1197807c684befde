import BackchannelCore
import BackchannelServer
import Foundation
import Synchronization

/// The pending poll-mode requests this node has read for a poll, and their authenticator's records, so that
/// the next poll of each is answered without a round trip to PostgreSQL.
///
/// Kept coherent with every node's writes by `LISTEN`/`NOTIFY` (``PostgresChangeFeed``): triggers notify
/// ``channel`` with a request's hash whenever anything a poll of it reads changes (schema version 14), and
/// the node forgets that request when the notification arrives. PostgreSQL delivers notifications at commit,
/// in commit order, so an answer from here is never older than the last notification this node received.
///
/// What makes a missed notification impossible to act on:
/// - Nothing is answered or kept while the node does not listen (before the first `LISTEN`, and from a lost
///   connection until the feed listens again, everything kept being forgotten at the loss).
/// - A read that a notification of its request overtook, or that began before the feed last (re)started
///   listening, is not kept: its answer may predate a change whose notification it will never see.
/// - The feed sends itself a heartbeat every second; answers are given only while the last one to come back
///   was sent less than ``freshness`` ago, so a connection that breaks silently (no reset, no error) stops
///   the answers within that bound instead of leaving them to stand.
final class PendingPollCache: FeedWatched {
    /// The notification channel; the payload is the request's `auth_req_id` hash.
    static let channel = "backchannel_pending_requests"
    /// The seed of the advisory-lock key a first poll and a write of an authenticator's record take on the
    /// hash (`hashtextextended(hash, seed)`): it keeps them apart from other advisory locks.
    static let lockSeed = 7_423_115
    /// How long after the last heartbeat that came back (from when it was sent) answers are still given.
    static let freshness: Duration = .seconds(5)

    /// A request as a poll read it, with the authenticator's records under its hash.
    struct Entry: Sendable {
        var request: PendingRequest
        var records: [PluginStateRecord]
    }

    /// A read in progress (``beginRead(_:)``), to be ended by ``endRead(_:keeping:)``.
    struct Read: Sendable {
        fileprivate let hash: String
        fileprivate let epoch: UInt64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        /// Reads in progress by hash: how many, and whether a notification of the hash came meanwhile.
        var reading: [String: (count: Int, overtaken: Bool)] = [:]
        /// Bumped whenever listening starts or stops: a read from another epoch may have missed a notification.
        var epoch: UInt64 = 0
        var listening = false
        /// When the last heartbeat that came back was sent (or the `LISTEN` was, before the first one).
        var confirmedAt: ContinuousClock.Instant?
        /// Heartbeats sent and not yet back, oldest first.
        var heartbeats: [ContinuousClock.Instant] = []
        /// Polls answered from here, and notifications received (for tests).
        var answered = 0
        var notified = 0
        var watchers = FeedWatchers()

        mutating func ready() -> [CheckedContinuation<Void, Never>] {
            watchers.ready(listening: listening, seen: UInt64(notified))
        }
    }

    private let state = Mutex(State())
    private let capacity: Int
    private let instant: @Sendable () -> ContinuousClock.Instant

    /// - Parameters:
    ///   - capacity: The most requests kept; past it, an arbitrary one makes room.
    ///   - instant: The monotonic time heartbeats are judged by (tests move it).
    init(capacity: Int = 100_000, instant: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.capacity = capacity
        self.instant = instant
    }

    /// The request with this hash as kept, with its records still live at `now`; `nil` when none is kept
    /// or the node cannot vouch for what it keeps (not listening, or no recent heartbeat).
    func answer(for hash: String, now: Date) -> Entry? {
        let monotonic = instant()
        return state.withLock { state in
            guard state.listening, let confirmedAt = state.confirmedAt, monotonic - confirmedAt <= Self.freshness,
                var entry = state.entries[hash]
            else { return nil }
            state.answered += 1
            entry.records.removeAll { $0.expiresAt <= now }
            return entry
        }
    }

    /// Notes a read of `hash` from the database about to start; `nil` when the node does not listen (and
    /// will not keep what it reads).
    func beginRead(_ hash: String) -> Read? {
        state.withLock { state in
            guard state.listening else { return nil }
            state.reading[hash, default: (0, false)].count += 1
            return Read(hash: hash, epoch: state.epoch)
        }
    }

    /// Ends a read, keeping `entry` (a pending poll-mode request as read) unless the read was overtaken by a
    /// notification of its request or by a change of epoch.
    func endRead(_ read: Read, keeping entry: Entry?) {
        state.withLock { state in
            guard var reading = state.reading[read.hash] else { return }
            let overtaken = reading.overtaken
            reading.count -= 1
            state.reading[read.hash] = reading.count == 0 ? nil : reading
            guard let entry, !overtaken, state.listening, state.epoch == read.epoch else { return }
            if state.entries.count >= capacity, state.entries[read.hash] == nil { state.entries.remove(at: state.entries.startIndex) }
            state.entries[read.hash] = entry
        }
    }

    /// Forgets `hash` at once: this node changed it (its own notification follows).
    func forget(_ hash: String) {
        state.withLock { state in
            state.entries[hash] = nil
            state.reading[hash]?.overtaken = true
        }
    }

    /// A notification of `hash`: forgets it, and spoils the reads of it in progress.
    func changed(_ hash: String) {
        let ready = state.withLock { state in
            state.entries[hash] = nil
            state.reading[hash]?.overtaken = true
            state.notified += 1
            return state.ready()
        }
        for continuation in ready { continuation.resume() }
    }

    /// The feed listens from now: its `LISTEN` was sent at `sentAt` and answered.
    func listening(since sentAt: ContinuousClock.Instant) {
        restart(listening: true, confirmedAt: sentAt)
    }

    /// The feed's connection is gone: forget everything, keep and answer nothing until it listens again.
    func lost() {
        restart(listening: false, confirmedAt: nil)
    }

    /// A new epoch of the feed: nothing kept from the last one, nor any read begun in it.
    private func restart(listening: Bool, confirmedAt: ContinuousClock.Instant?) {
        let ready = state.withLock { state in
            state.entries.removeAll(keepingCapacity: true)
            state.epoch &+= 1
            state.listening = listening
            state.confirmedAt = confirmedAt
            state.heartbeats.removeAll()
            return state.ready()
        }
        for continuation in ready { continuation.resume() }
    }

    /// A heartbeat is being sent now.
    func heartbeatSent(at instant: ContinuousClock.Instant) {
        state.withLock { $0.heartbeats.append(instant) }
    }

    /// Whether the oldest heartbeat not yet back was sent more than `deadline` before `now`.
    func heartbeatOverdue(by deadline: Duration, at now: ContinuousClock.Instant) -> Bool {
        state.withLock { state in state.heartbeats.first.map { now - $0 > deadline } ?? false }
    }

    /// The oldest heartbeat in flight came back: everything committed before it was sent has been received.
    func heartbeatReturned() {
        state.withLock { state in
            guard !state.heartbeats.isEmpty else { return }
            state.confirmedAt = state.heartbeats.removeFirst()
        }
    }

    /// How many polls were answered from here (tests).
    var answered: Int { state.withLock { $0.answered } }

    /// How many notifications arrived (tests).
    var notified: Int { state.withLock { $0.notified } }

    /// Returns once the node listens (or not, as asked) and has received at least `notified` notifications, or
    /// once the task is cancelled.
    func waitUntil(listening: Bool, notified: Int = 0) async {
        await waitForFeed(listening: listening, seen: UInt64(notified))
    }

    func withWatchers<Result: Sendable>(_ body: (inout FeedWatchers, _ listening: Bool, _ seen: UInt64) -> Result) -> Result {
        state.withLock { state in body(&state.watchers, state.listening, UInt64(state.notified)) }
    }
}
