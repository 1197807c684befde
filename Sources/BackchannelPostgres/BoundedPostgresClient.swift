import Logging
import PostgresNIO

/// The pool as the store's operations use it: each operation gets a connection within `deadline` or fails
/// with ``PostgresStoreError/unavailable(seconds:)``. While the database is down the pool keeps trying to
/// reconnect and requests would otherwise wait for a connection indefinitely; bounded, they answer
/// `server_error` at once and the node serves again by itself when the database is back.
///
/// The deadline cancels only the wait for a connection (the pool's lease is cancellable); a statement
/// already sent runs to its end on its connection, so an operation never half-happens behind an error.
struct BoundedPostgresClient: Sendable {
    let pool: PostgresClient
    let deadline: Duration

    @discardableResult
    func query(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        try await within { try await pool.query(query, logger: logger) }
    }

    func withConnection<Result: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> Result) async throws -> Result {
        try await within { try await pool.withConnection(body) }
    }

    func withTransaction<Result: Sendable>(
        logger: Logger, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await within { try await pool.withTransaction(logger: logger) { connection in try await body(connection) } }
    }

    private func within<Result: Sendable>(_ operation: @escaping @Sendable () async throws -> Result) async throws -> Result {
        let deadline = self.deadline
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(for: deadline)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let result = first else {
                throw PostgresStoreError.unavailable(seconds: Int(deadline.components.seconds))
            }
            return result
        }
    }
}
