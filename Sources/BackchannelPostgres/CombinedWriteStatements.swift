import Foundation
import PostgresNIO

/// An authenticator's record replaced by compare-and-set and, if it was, its pending request concluded: one
/// statement (``RecordConcludingSink``). The request's row is locked first, as a redemption locks it before
/// the records it deletes, so the two never wait on each other in opposite orders.
///
/// Returns one row: the request as concluded (NULLs when it was not), then whether the record was replaced.
struct ConcludeWithRecordStatement: PostgresPreparedStatement {
    static let sql = """
        WITH target AS MATERIALIZED (
            SELECT auth_req_id_hash FROM backchannel_pending_request WHERE auth_req_id_hash = $3::TEXT AND state = 'pending' FOR UPDATE),
        replaced AS (
            UPDATE backchannel_plugin_state SET value = $4::BYTEA, group_name = $5::TEXT
            WHERE namespace = $6::TEXT AND key = $7::TEXT AND value = $8::BYTEA AND expires_at > $9::DOUBLE PRECISION
                AND (SELECT count(*) FROM target) >= 0
            RETURNING key),
        concluded AS (
            UPDATE backchannel_pending_request SET state = $1::TEXT, outcome = $2::BYTEA,
                notify_state = CASE WHEN notify_mode IS NULL THEN NULL ELSE 'due' END,
                notify_at = CASE WHEN notify_mode IS NULL THEN NULL ELSE 0 END
            WHERE auth_req_id_hash IN (SELECT auth_req_id_hash FROM target) AND EXISTS (SELECT 1 FROM replaced)
            RETURNING \(PostgresStore.columns))
        SELECT concluded.*, EXISTS (SELECT 1 FROM replaced) FROM (VALUES (1)) AS one LEFT JOIN concluded ON true
        """
    typealias Row = PostgresRow

    var state: String
    var outcome: Data?
    var authReqIdHash: String
    var value: Data
    var group: String?
    var namespace: String
    var key: String
    var expected: Data
    var now: Double

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 9)
        bindings.append(state)
        try bindings.append(outcome)
        bindings.append(authReqIdHash)
        try bindings.append(value)
        bindings.append(group)
        bindings.append(namespace)
        bindings.append(key)
        try bindings.append(expected)
        bindings.append(now)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

/// A redemption that ends what the request held in the same statement: the approved row deleted, and, only
/// if it was, the authenticator's records under its hash in the given namespaces and (when `$5`) its limit
/// holds, each key's count dropping by one.
struct RedeemEndingStatement: PostgresPreparedStatement {
    static let sql = """
        WITH redeemed AS (
            DELETE FROM backchannel_pending_request
            WHERE auth_req_id_hash = $1::TEXT AND client_id = $2::TEXT AND state = 'approved' AND expires_at > $3::DOUBLE PRECISION
            RETURNING \(PostgresStore.columns)),
        records AS (
            DELETE FROM backchannel_plugin_state
            WHERE namespace = ANY($4::TEXT[]) AND key = $1::TEXT AND EXISTS (SELECT 1 FROM redeemed) RETURNING key),
        gone AS (
            DELETE FROM backchannel_limit_member WHERE member = $1::TEXT AND $5::BOOLEAN AND EXISTS (SELECT 1 FROM redeemed) RETURNING key),
        tally AS (SELECT key, count(*)::INTEGER AS released FROM gone GROUP BY key),
        \(PostgresLimits.lockTallied),
        counted AS (
            UPDATE backchannel_limit_count AS c SET count = c.count - tally.released FROM tally JOIN locked USING (key)
            WHERE c.key = tally.key RETURNING c.key)
        SELECT * FROM redeemed
        """
    typealias Row = PostgresRow

    var authReqIdHash: String
    var clientId: String
    var now: Double
    var namespaces: [String]
    var releasingLimits: Bool

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 5)
        bindings.append(authReqIdHash)
        bindings.append(clientId)
        bindings.append(now)
        bindings.append(namespaces)
        bindings.append(releasingLimits)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}
