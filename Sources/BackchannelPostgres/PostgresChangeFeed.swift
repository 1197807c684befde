import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// This node's one connection that `LISTEN`s for what other nodes change: the directory's users
/// (``DirectoryUserCache``) and pending requests (``PendingPollCache``). Both caches answer only while it
/// listens, and forget everything when its connection is lost; it reconnects a second later.
///
/// It also sends itself a heartbeat every second on a channel of its own: notifications reach a session in
/// commit order, so a heartbeat coming back means every change committed before it was sent has arrived.
/// A heartbeat not back within ``heartbeatDeadline`` means the connection is lost, whatever the connection
/// says: one can break without an error or a reset (a partition, a stopped server process).
struct PostgresChangeFeed: Sendable {
    /// The `application_name` the feed's connection shows in `pg_stat_activity`.
    static let applicationName = "backchannel-change-feed"
    static let heartbeatInterval: Duration = .seconds(1)
    /// How long a heartbeat may take to come back: as long as the poll cache vouches for its answers.
    static let heartbeatDeadline = PendingPollCache.freshness

    let directory: DirectoryUserCache
    let polls: PendingPollCache
    /// Open but for tests that keep the node deaf after a lost connection.
    let gate: ChangeFeedGate
    /// This node's heartbeat channel (an identifier: letters, digits and underscores).
    let heartbeatChannel = "backchannel_heartbeat_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")

    /// The connection ended (closed by the server, or the network): listen again.
    private struct Ended: Error {}

    /// Listens until cancelled or shut down gracefully, reconnecting after a lost connection.
    func run(configuration: PostgresConnection.Configuration, logger: Logger) async {
        var named = configuration
        named.options.additionalStartupParameters.append(("application_name", Self.applicationName))
        let configuration = named
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let connection = try await PostgresConnection.connect(configuration: configuration, id: 1_000_000, logger: logger)
                    do {
                        try await listen(on: connection, logger: logger)
                    } catch {
                        try? await connection.close()
                        throw error
                    }
                    try? await connection.close()
                } catch {
                    if !Task.isCancelled { logger.warning("the change feed was lost; it reconnects", metadata: ["reason": "change_feed_lost"]) }
                }
                lost()
                // Reconnecting a second apart: a database that is down is not hammered.
                try? await Task.sleep(for: .seconds(1))
                await gate.pass()
            }
        }
        lost()
    }

    private func lost() {
        directory.invalidate(listening: false)
        polls.lost()
    }

    private func listen(on connection: PostgresConnection, logger: Logger) async throws {
        let sentAt = ContinuousClock.now
        try await connection.listen(on: DirectoryUserCache.channel) { users in
            try await connection.listen(on: PendingPollCache.channel) { requests in
                try await connection.listen(on: heartbeatChannel) { heartbeats in
                    directory.invalidate(listening: true)
                    polls.listening(since: sentAt)
                    try await consume(users: users, requests: requests, heartbeats: heartbeats, connection: connection, logger: logger)
                }
            }
        }
    }

    private func consume(
        users: PostgresNotificationSequence, requests: PostgresNotificationSequence, heartbeats: PostgresNotificationSequence,
        connection: PostgresConnection, logger: Logger
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for try await _ in users { directory.invalidate() }
                throw Ended()
            }
            group.addTask {
                for try await notification in requests { polls.changed(notification.payload) }
                throw Ended()
            }
            group.addTask {
                for try await _ in heartbeats { polls.heartbeatReturned() }
                throw Ended()
            }
            group.addTask {
                while true {
                    try await Task.sleep(for: Self.heartbeatInterval)
                    if connection.isClosed || polls.heartbeatOverdue(by: Self.heartbeatDeadline, at: .now) {
                        logger.warning("the change feed's heartbeat did not come back", metadata: ["reason": "change_feed_silent"])
                        throw Ended()
                    }
                    polls.heartbeatSent(at: .now)
                    sendHeartbeat(on: connection, logger: logger)
                }
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    /// Writes a heartbeat without waiting for its answer: its coming back on the feed is what counts. Not a
    /// child of the feed's task group: PostgresNIO (1.33) never answers a query written just after its
    /// connection closed (the query goes to the channel with no write promise, and a closed channel drops it),
    /// and a child awaiting it would hold the feed, deaf, forever. Such a task stays suspended; one per lost
    /// connection at most.
    private func sendHeartbeat(on connection: PostgresConnection, logger: Logger) {
        let channel = heartbeatChannel
        Task { _ = try? await connection.checkedQuery("SELECT pg_notify(\(channel), '')", logger: logger) }
    }
}
