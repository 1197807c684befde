import BackchannelCore
import BackchannelServer
import Foundation
import Logging
import NIOSSL
import PostgresNIO

/// Everything `backchanneld` keeps, in PostgreSQL, so several processes on one database behave as one
/// server: pending requests and their outcomes, plugin state, and the generated signing key.
///
/// Every state transition is one statement, so redemption is exactly-once across processes, and the
/// expiry sweep claims rows with `FOR UPDATE SKIP LOCKED`, so each expired request is cancelled once.
public final class PostgresStore: Sendable {
    let client: PostgresClient
    let retention: TimeInterval
    let clock: any BackchannelClock
    let logger: Logger
    private let runner: Task<Void, Never>

    /// Connects to the database at `url` (`postgres://user:password@host:port/database`, with
    /// `?sslmode=require` for TLS), and creates or migrates the schema.
    /// - Parameters:
    ///   - url: The database.
    ///   - connections: How many connections this process keeps open (opened at start, kept for its life).
    ///   - expiredRequestRetention: How long expired requests are kept to answer `expired_token`.
    ///   - clock: The clock expiry is judged by.
    ///   - logger: Where the driver logs.
    /// - Throws: ``PostgresStoreError`` for a bad URL or connection count; the driver's error when the
    ///   database refuses.
    public static func connect(
        url: String,
        connections: Int = 20,
        expiredRequestRetention: TimeInterval = 600,
        clock: any BackchannelClock = SystemClock(),
        connectTimeout: Duration = .seconds(10),
        logger: Logger = Logger(label: "backchannel.postgres")
    ) async throws -> PostgresStore {
        let configuration = try configuration(url: url, connections: connections)
        let store = PostgresStore(
            client: PostgresClient(configuration: configuration, backgroundLogger: logger),
            retention: expiredRequestRetention, clock: clock, logger: logger)
        do {
            // The pool retries an unreachable server forever: the first use gets a deadline, so start-up
            // ends with an error naming the server instead of hanging.
            try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try await PostgresMigrations.migrate(store.client, logger: logger)
                    return true
                }
                group.addTask {
                    try await Task.sleep(for: connectTimeout)
                    return false
                }
                let migrated = try await group.next() ?? false
                group.cancelAll()
                if !migrated {
                    throw PostgresStoreError.unreachable(
                        host: configuration.host ?? "", port: configuration.port ?? 5432, seconds: Int(connectTimeout.components.seconds))
                }
            }
        } catch {
            store.shutdown()
            throw error
        }
        return store
    }

    private init(client: PostgresClient, retention: TimeInterval, clock: any BackchannelClock, logger: Logger) {
        self.client = client
        self.retention = retention
        self.clock = clock
        self.logger = logger
        self.runner = Task { await client.run() }
    }

    /// Closes the connection pool.
    public func shutdown() {
        runner.cancel()
    }

    static func configuration(url: String, connections: Int = 20) throws -> PostgresClient.Configuration {
        guard connections >= 1 else { throw PostgresStoreError.invalidConnectionCount(connections) }
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
            let host = components.host, !host.isEmpty, let user = components.percentEncodedUser?.removingPercentEncoding
        else {
            throw PostgresStoreError.invalidURL("expected postgres://user:password@host:port/database")
        }
        let database = String(components.path.drop { $0 == "/" })
        // The database holds the signing key and every request: beyond this machine, only over verified TLS.
        let loopback = ServerExposure(bindHost: host) == .loopback
        let sslmode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? (loopback ? "disable" : "verify-full")
        let tls: PostgresClient.Configuration.TLS
        switch sslmode {
        case "disable":
            guard loopback else {
                throw PostgresStoreError.invalidURL("sslmode=disable is allowed only for a loopback host; use require or verify-full")
            }
            tls = .disable
        case "require", "verify-full": tls = .require(.makeClientConfiguration())
        default: throw PostgresStoreError.invalidURL("sslmode must be disable, require or verify-full")
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: user,
            password: components.percentEncodedPassword?.removingPercentEncoding,
            database: database.isEmpty ? nil : database, tls: tls)
        // A fixed-size pool without keep-alive pings. postgres-nio arms an idle-timeout timer (60 s) and a
        // keep-alive timer (30 s) each time a connection above the minimum falls idle, that is after
        // every query, and each timer's task lives until it fires: at thousands of polls a second that
        // held hundreds of megabytes and slowed every query. With every connection a minimum one and no
        // keep-alive, no timer is armed; a connection that died while idle fails its next query and is
        // replaced.
        configuration.options.keepAliveBehavior = nil
        configuration.options.minimumConnections = connections
        configuration.options.maximumConnections = connections
        return configuration
    }
}

/// A PostgreSQL store that cannot start.
public enum PostgresStoreError: Error, Sendable, CustomStringConvertible {
    /// The connection URL is malformed.
    case invalidURL(String)
    /// The connection count is below one.
    case invalidConnectionCount(Int)
    /// No connection within the deadline.
    case unreachable(host: String, port: Int, seconds: Int)

    public var description: String {
        switch self {
        case .invalidURL(let reason): "invalid PostgreSQL URL: \(reason)"
        case .invalidConnectionCount(let count): "connections must be at least 1, not \(count)"
        case .unreachable(let host, let port, let seconds): "cannot reach PostgreSQL at \(host):\(port) within \(seconds) s"
        }
    }
}
