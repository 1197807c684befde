import BackchannelServer
import Foundation
import PostgresNIO

// The statements every complete flow makes after its start (conclusion, redemption, the limits' release),
// prepared once per connection: each finds its rows by primary key or by an index.

/// Moves a pending request to its conclusion, putting a notification in the outbox in the same step, and
/// returns `Returning`'s columns of the row it changed.
struct ConcludeStatement<Returning: ConcludeStatementColumns>: PostgresPreparedStatement {
    static var sql: String {
        """
        UPDATE backchannel_pending_request SET state = $1::TEXT, outcome = $2::BYTEA,
            notify_state = CASE WHEN notify_mode IS NULL THEN NULL ELSE 'due' END,
            notify_at = CASE WHEN notify_mode IS NULL THEN NULL ELSE 0 END
        WHERE auth_req_id_hash = $3::TEXT AND state = 'pending'
        RETURNING \(Returning.columns)
        """
    }
    static var name: String { "ConcludeStatement.\(Returning.self)" }
    typealias Row = PostgresRow

    var state: String
    var outcome: Data?
    var authReqIdHash: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 3)
        bindings.append(state)
        try bindings.append(outcome)
        bindings.append(authReqIdHash)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

/// What a ``ConcludeStatement`` returns.
protocol ConcludeStatementColumns: Sendable {
    static var columns: String { get }
}

/// Only the hash: whether the request was pending.
enum ConcludedHash: ConcludeStatementColumns {
    static var columns: String { "auth_req_id_hash" }
}

/// The whole request as concluded.
enum ConcludedRequest: ConcludeStatementColumns {
    static var columns: String { PostgresStore.columns }
}

/// Redeems an approved, unexpired request of a client, deleting it.
struct RedeemStatement: PostgresPreparedStatement {
    static let sql = """
        DELETE FROM backchannel_pending_request
        WHERE auth_req_id_hash = $1::TEXT AND client_id = $2::TEXT AND state = 'approved' AND expires_at > $3::DOUBLE PRECISION
        RETURNING \(PostgresStore.columns)
        """
    typealias Row = PostgresRow

    var authReqIdHash: String
    var clientId: String
    var now: Double

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 3)
        bindings.append(authReqIdHash)
        bindings.append(clientId)
        bindings.append(now)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

/// Stops counting a member: each key it was counted against loses one, the count rows locked in key order.
struct ReleaseMemberStatement: PostgresPreparedStatement {
    static let sql = """
        WITH gone AS (DELETE FROM backchannel_limit_member WHERE member = $1::TEXT RETURNING key),
        tally AS (SELECT key, count(*)::INTEGER AS released FROM gone GROUP BY key),
        \(PostgresLimits.lockTallied),
        counted AS (
            UPDATE backchannel_limit_count AS c SET count = c.count - tally.released FROM tally JOIN locked USING (key)
            WHERE c.key = tally.key RETURNING c.key)
        SELECT key FROM gone
        """
    typealias Row = String

    var member: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(member)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> String { try row.decode(String.self) }
}
