import Logging
import PostgresNIO

/// Statements that fail at once on a connection that has closed, instead of waiting forever.
///
/// PostgresNIO (1.33) writes each query to its channel with no write promise; a closed channel drops the write,
/// so the query is never answered. An operation of several statements whose connection closes between two of
/// them (a database restarted, a backend terminated) would wait forever and keep its pooled connection leased.
/// Every statement of this store goes through these, so it fails with ``PostgresStoreError/connectionLost``
/// instead (the transaction it was in is rolled back by the server with the lost session). What is left is a
/// close in the instant between the check and the write, which only postgres-nio can close.
extension PostgresConnection {
    /// Runs `query`, unless the connection has closed.
    @discardableResult
    func checkedQuery(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        guard !isClosed else { throw PostgresStoreError.connectionLost }
        return try await self.query(query, logger: logger)
    }

    /// Runs a prepared statement, unless the connection has closed.
    func checkedExecute<Statement: PostgresPreparedStatement, Row>(
        _ statement: Statement, logger: Logger
    ) async throws -> AsyncThrowingMapSequence<PostgresRowSequence, Row> where Row == Statement.Row {
        guard !isClosed else { throw PostgresStoreError.connectionLost }
        return try await execute(statement, logger: logger)
    }

    /// Runs `body` inside `BEGIN` … `COMMIT`, rolled back if it throws; every step unless the connection has closed.
    func checkedTransaction<Result>(logger: Logger, _ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        try await checkedQuery("BEGIN", logger: logger)
        let value: Result
        do {
            value = try await body(self)
        } catch {
            // A lost connection's transaction is rolled back by the server already.
            if !isClosed { _ = try? await checkedQuery("ROLLBACK", logger: logger) }
            throw error
        }
        try await checkedQuery("COMMIT", logger: logger)
        return value
    }
}
