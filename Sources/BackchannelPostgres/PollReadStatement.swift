import PostgresNIO

// Statements prepared once per connection (postgres-nio prepares a statement on a connection's first use
// of it, then binds and executes it): PostgreSQL plans them once, not on every request. Only where the
// generic plan is as good as a custom one: the pending-cap admission, prepared, ran 3.5 times slower
// under its generic plan (0.46 ms against 0.13 + 0.16 ms of planning), so it stays planned per call.

/// A poll's read (`PostgresStore.pollRead`), through `backchannel_poll_read` (schema version 14): the request's
/// row and whether some node keeps it (marked by the first poll of a pending poll-mode request, here, in the same
/// round trip), with the plugin-state records kept under its hash (the authenticator's record of it): one row per
/// record, or one with no record.
struct PollReadStatement: PostgresPreparedStatement {
    static let sql = "SELECT * FROM backchannel_poll_read($1::TEXT, $2::DOUBLE PRECISION)"
    typealias Row = PostgresRow

    var authReqIdHash: String
    var now: Double

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(authReqIdHash)
        bindings.append(now)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}
