import BackchannelCore
import BackchannelServer
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// Everything `backchanneld` keeps, in PostgreSQL, so several processes on one database behave as one
/// server: pending requests and their outcomes, plugin state, and the generated signing key.
///
/// Every state transition is one statement, so redemption is exactly-once across processes, and the
/// expiry sweep claims rows with `FOR UPDATE SKIP LOCKED`, so each expired request is cancelled once.
///
/// The store is a `Service`: its connection pool runs while ``run()`` does, under the host's
/// `ServiceGroup`, and closes at graceful shutdown. Queries made before it runs wait for it; start-up
/// work (migrations, the generated signing key) uses a connection of its own instead.
public final class PostgresStore: Service, Sendable {
    /// The connections operations run on, each operation waiting at most 5 s for one.
    let pool: PostgresConnectionPool
    var client: PostgresConnectionPool { pool }
    /// The abuse limits, counted in the same database: hand them to the engine as its limit store, and an
    /// authentication request's admission and insert are one statement.
    public let limits: PostgresLimits
    /// The `store` directory's users, in the same database.
    public let users: PostgresUsers
    var userCache: DirectoryUserCache { users.userCache }
    /// The pending requests this node answers polls of from memory, coherent through the change feed.
    let pollCache = PendingPollCache()
    private let feedGate = ChangeFeedGate()
    let endpoint: PostgresEndpoint
    let connectTimeout: Duration
    let retention: TimeInterval
    let clock: any BackchannelClock
    let logger: Logger

    /// Checks the database at `url` (`postgres://user:password@host:port/database`, with
    /// `?sslmode=require` for TLS) and creates or migrates the schema; the pool opens when ``run()`` runs.
    /// - Parameters:
    ///   - url: The database.
    ///   - connections: How many connections the pool keeps open while it runs.
    ///   - expiredRequestRetention: How long expired requests are kept to answer `expired_token`.
    ///   - clock: The clock expiry is judged by.
    ///   - connectTimeout: How long start-up work may wait for the database before giving up.
    ///   - operationDeadline: How long an operation may wait for a free connection before it fails as
    ///     unavailable (a request then answers `server_error` rather than hang).
    ///   - logger: Where the driver logs.
    /// - Throws: ``PostgresStoreError`` for a bad URL or connection count, or a database out of reach;
    ///   the driver's error when the database refuses.
    public static func connect(
        url: String,
        connections: Int = 20,
        expiredRequestRetention: TimeInterval = 600,
        clock: any BackchannelClock = SystemClock(),
        connectTimeout: Duration = .seconds(10),
        operationDeadline: Duration = .seconds(5),
        logger: Logger = Logger(label: "backchannel.postgres")
    ) async throws -> PostgresStore {
        let endpoint = try PostgresEndpoint(url: url)
        guard connections >= 1 else { throw PostgresStoreError.invalidConnectionCount(connections) }
        let pool = PostgresConnectionPool(
            size: connections, configuration: try endpoint.connectionConfiguration(connectTimeout: connectTimeout),
            deadline: operationDeadline, logger: logger)
        let store = PostgresStore(
            pool: pool,
            endpoint: endpoint, connectTimeout: connectTimeout, retention: expiredRequestRetention, clock: clock, logger: logger)
        try await store.withStartupConnection { connection in
            try await PostgresMigrations.migrate(connection, logger: logger)
        }
        return store
    }

    private init(
        pool: PostgresConnectionPool, endpoint: PostgresEndpoint, connectTimeout: Duration, retention: TimeInterval,
        clock: any BackchannelClock, logger: Logger
    ) {
        self.pool = pool
        self.limits = PostgresLimits(client: pool, logger: logger)
        self.users = PostgresUsers(client: pool, clock: clock, logger: logger)
        self.endpoint = endpoint
        self.connectTimeout = connectTimeout
        self.retention = retention
        self.clock = clock
        self.logger = logger
    }

    /// Runs the connection pool, and the change feed (``PostgresChangeFeed``) on a connection of its own,
    /// until graceful shutdown or cancellation, then closes them. Call it once.
    public func run() async {
        let configuration = try? endpoint.connectionConfiguration(connectTimeout: connectTimeout)
        let feed = PostgresChangeFeed(directory: userCache, polls: pollCache, gate: feedGate)
        await withDiscardingTaskGroup { group in
            group.addTask { await self.pool.run() }
            if let configuration { group.addTask { await feed.run(configuration: configuration, logger: self.logger) } }
        }
    }

    /// Returns once this node's change feed listens (or not, as asked) and has received `notified`
    /// notifications of pending requests (tests).
    package func waitForPollFeed(listening: Bool = true, notified: Int = 0) async {
        await pollCache.waitUntil(listening: listening, notified: notified)
    }

    /// Keeps the change feed from listening again after its connection is lost, until ``releaseChangeFeed()`` (tests).
    package func holdChangeFeed() { feedGate.hold() }

    /// Lets the change feed listen again (tests).
    package func releaseChangeFeed() { feedGate.release() }

    /// How many notifications of pending requests this node has received (tests).
    package var pollFeedNotifications: Int { pollCache.notified }

    /// How many polls this node answered from memory (tests, benchmarks).
    package var pollsAnsweredFromMemory: Int { pollCache.answered }

    /// How many times an operation took a connection from the pool: the round trips and transactions
    /// this node made (tests).
    package var connectionLeases: Int { pool.leases }

    /// Returns once this node listens for changes of the directory's users and has seen `generation` (tests).
    package func waitForDirectoryFeed(listening: Bool = true, generation: UInt64 = 0) async {
        await userCache.waitUntil(listening: listening, generation: generation)
    }

    /// How many changes of the directory's users this node has seen (tests).
    package var directoryFeedGeneration: UInt64 { userCache.generation() }

    /// Runs `body` on a connection opened for it alone and closed after, within `connectTimeout`: start-up
    /// work that must finish before the pool runs. The pool would retry an unreachable server forever;
    /// this ends with an error naming the server instead.
    func withStartupConnection<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let configuration = try endpoint.connectionConfiguration(connectTimeout: connectTimeout)
        let (logger, timeout, endpoint) = (self.logger, connectTimeout, self.endpoint)
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask {
                let connection: PostgresConnection
                do {
                    connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
                } catch let error as PSQLError {
                    throw PostgresStoreError.refused(host: endpoint.host, port: endpoint.port, reason: Self.reason(error))
                }
                do {
                    let result = try await body(connection)
                    try? await connection.close()
                    return result
                } catch {
                    try? await connection.close()
                    throw error
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard case .some(.some(let result)) = try await group.next() else {
                throw PostgresStoreError.unreachable(host: endpoint.host, port: endpoint.port, seconds: Int(timeout.components.seconds))
            }
            return result
        }
    }

    /// What went wrong, in words safe for a log: the server's message or the network error, never the
    /// query or the connection's parameters.
    static func reason(_ error: PSQLError) -> String {
        if let message = error.serverInfo?[.message] { return message }
        if let underlying = error.underlying { return "\(underlying)" }
        return "\(error.code)"
    }
}

/// A PostgreSQL store that cannot start.
public enum PostgresStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The connection URL is malformed.
    case invalidURL(String)
    /// The connection count is below one.
    case invalidConnectionCount(Int)
    /// No connection within the deadline.
    case unreachable(host: String, port: Int, seconds: Int)
    /// The connection was refused: by the network, or by the server (a wrong password, no such database).
    case refused(host: String, port: Int, reason: String)
    /// A running store's operation found no connection within its deadline: the database is down or saturated.
    case unavailable(seconds: Int)
    /// A running store's every connection attempt fails: the database is down or out of reach.
    case outOfReach
    /// The database answered what this store's schema cannot produce (a schema changed by hand, say).
    case unexpectedAnswer(String)
    /// An operation's connection closed before one of its statements (a database restarted, a session
    /// terminated): the operation failed and wrote nothing, its transaction rolled back with the session.
    case connectionLost

    public var description: String {
        switch self {
        case .invalidURL(let reason): "invalid PostgreSQL URL: \(reason)"
        case .invalidConnectionCount(let count): "connections must be at least 1, not \(count)"
        case .unreachable(let host, let port, let seconds): "cannot reach PostgreSQL at \(host):\(port) within \(seconds) s"
        case .refused(let host, let port, let reason): "cannot connect to PostgreSQL at \(host):\(port): \(reason)"
        case .unavailable(let seconds): "no PostgreSQL connection within \(seconds) s"
        case .outOfReach: "PostgreSQL is out of reach (every connection attempt fails)"
        case .unexpectedAnswer(let what): "unexpected answer from PostgreSQL: \(what)"
        case .connectionLost: "the PostgreSQL connection closed during the operation"
        }
    }
}
