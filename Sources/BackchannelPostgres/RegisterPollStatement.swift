import PostgresNIO

// Statements prepared once per connection (postgres-nio prepares a statement on a connection's first use
// of it, then binds and executes it): PostgreSQL plans them once, not on every request. Only where the
// generic plan is as good as a custom one: the pending-cap admission, prepared, ran 3.5 times slower
// under its generic plan (0.46 ms against 0.13 + 0.16 ms of planning), so it stays planned per call.

/// A poll's bookkeeping (`PostgresStore.registerPoll`): records the poll and grows the interval of one
/// that came too soon; returns the request's row with whether this poll was slowed.
struct RegisterPollStatement: PostgresPreparedStatement {
    static let sql = """
        UPDATE backchannel_pending_request SET
            slowed = ($1::BOOLEAN AND state = 'pending' AND expires_at > $2::DOUBLE PRECISION AND last_polled_at IS NOT NULL
                      AND $2::DOUBLE PRECISION - last_polled_at < poll_interval),
            poll_interval = poll_interval + CASE WHEN $1::BOOLEAN AND state = 'pending' AND expires_at > $2::DOUBLE PRECISION
                      AND last_polled_at IS NOT NULL AND $2::DOUBLE PRECISION - last_polled_at < poll_interval THEN 5 ELSE 0 END,
            last_polled_at = $2::DOUBLE PRECISION
        WHERE auth_req_id_hash = $3::TEXT AND client_id = $4::TEXT
        RETURNING \(PostgresStore.columns)
        """
    typealias Row = PostgresRow

    var enforceInterval: Bool
    var now: Double
    var authReqIdHash: String
    var clientId: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 4)
        bindings.append(enforceInterval)
        bindings.append(now)
        bindings.append(authReqIdHash)
        bindings.append(clientId)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

/// ``RegisterPollStatement``, also reading the plugin-state records kept under the request's hash (the
/// authenticator's record of it) in the same statement: one row per record, or one with no record.
struct RegisterPollReadingAheadStatement: PostgresPreparedStatement {
    static let sql = """
        WITH polled AS (\(RegisterPollStatement.sql))
        SELECT polled.*, s.namespace, s.group_name, s.value, s.created_at, s.expires_at FROM polled
        LEFT JOIN backchannel_plugin_state AS s ON s.key = polled.auth_req_id_hash AND s.expires_at > $2::DOUBLE PRECISION
        """
    typealias Row = PostgresRow

    var poll: RegisterPollStatement

    func makeBindings() throws -> PostgresBindings { try poll.makeBindings() }

    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}
