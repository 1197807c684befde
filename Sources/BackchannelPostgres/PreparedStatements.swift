import PostgresNIO

// The statements every authentication request and every poll runs, prepared once per connection
// (postgres-nio prepares a statement on a connection's first use of it, then binds and executes it):
// PostgreSQL plans them once, not on every request. Measured with pg_stat_statements' planning time, the
// admission statement's plan cost as much as running it (0.16 ms of PostgreSQL's CPU a request).

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

/// An admission against the pending caps (`PostgresStore.admitLocked`): locks the caps' count rows in key
/// order and, only if all exist and every one has room, counts the member against each.
struct AdmitStatement: PostgresPreparedStatement {
    static let sql = """
        WITH wanted AS (SELECT * FROM unnest($1::TEXT[], $2::INT8[]) AS w(key, cap)),
        locked AS (SELECT c.key, c.count FROM backchannel_limit_count AS c JOIN wanted USING (key) ORDER BY c.key FOR UPDATE OF c),
        ok AS (
            SELECT (SELECT count(*) FROM locked) = (SELECT count(*) FROM wanted) AS complete,
                NOT EXISTS (SELECT 1 FROM wanted JOIN locked USING (key) WHERE locked.count >= wanted.cap) AS room),
        counted AS (
            INSERT INTO backchannel_limit_count AS c (key, count) SELECT key, 1 FROM wanted, ok WHERE ok.complete AND ok.room
            ON CONFLICT (key) DO UPDATE SET count = c.count + 1 RETURNING c.key),
        members AS (
            INSERT INTO backchannel_limit_member (key, member, until) SELECT key, $3::TEXT, $4::DOUBLE PRECISION FROM wanted, ok
            WHERE ok.complete AND ok.room ON CONFLICT (key, member) DO UPDATE SET until = EXCLUDED.until RETURNING key)
        SELECT complete, room FROM ok
        """
    typealias Row = (Bool, Bool)

    var keys: [String]
    var caps: [Int]
    var member: String
    var until: Double

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 4)
        bindings.append(keys)
        bindings.append(caps)
        bindings.append(member)
        bindings.append(until)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> (Bool, Bool) { try row.decode((Bool, Bool).self) }
}
