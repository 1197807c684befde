import BackchannelCore
import Foundation
import NIOCore
import NIOSSL
import PostgresNIO

/// Where the database is and how to reach it, read once from a `postgres://` URL: the pool and the
/// start-up connection are both configured from it.
struct PostgresEndpoint: Sendable {
    enum Transport: Sendable { case plain, tls }

    let host: String
    let port: Int
    let username: String
    let password: String?
    let database: String?
    let transport: Transport

    /// Reads `postgres://user:password@host:port/database?sslmode=…`.
    /// - Throws: ``PostgresStoreError/invalidURL(_:)`` naming what is wrong.
    init(url: String) throws(PostgresStoreError) {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
            let host = components.host, !host.isEmpty, let user = components.percentEncodedUser?.removingPercentEncoding
        else {
            throw .invalidURL("expected postgres://user:password@host:port/database")
        }
        // The database holds the signing key and every request: beyond this machine, only over verified TLS.
        let loopback = ServerExposure(bindHost: host) == .loopback
        switch components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? (loopback ? "disable" : "verify-full") {
        case "disable":
            guard loopback else {
                throw .invalidURL("sslmode=disable is allowed only for a loopback host; use require or verify-full")
            }
            transport = .plain
        case "require", "verify-full": transport = .tls
        default: throw .invalidURL("sslmode must be disable, require or verify-full")
        }
        let database = String(components.path.drop { $0 == "/" })
        self.host = host
        self.port = components.port ?? 5432
        self.username = user
        self.password = components.percentEncodedPassword?.removingPercentEncoding
        self.database = database.isEmpty ? nil : database
    }

    /// A single connection's configuration: the pool's, and start-up work's done before the pool runs.
    func connectionConfiguration(connectTimeout: Duration) throws -> PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database,
            tls: transport == .tls ? .require(try NIOSSLContext(configuration: .makeClientConfiguration())) : .disable)
        configuration.options.connectTimeout = .nanoseconds(Int64(connectTimeout.components.seconds) * 1_000_000_000 + connectTimeout.components.attoseconds / 1_000_000_000)
        return configuration
    }
}
