import BackchannelCore
import BackchannelServer
import Foundation
import GRDB

extension SQLiteStore: PendingRequestStore {
    public func insert(_ request: PendingRequest) async throws {
        try await insert(contentsOf: [request])
    }

    public func insert(contentsOf requests: [PendingRequest]) async throws {
        try await pool.write { db in
            for request in requests { try Self.insert(request, into: db) }
        }
    }

    private static func insert(_ request: PendingRequest, into db: Database) throws {
        try db.execute(
                sql: """
                    INSERT INTO pending_request (auth_req_id_hash, client_id, authenticator, scopes, acr, created_at, expires_at,
                        poll_interval, last_polled_at, state, outcome)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    request.authReqIdHash, request.clientId, request.authenticator, request.scopes.joined(separator: " "), request.acr,
                    request.createdAt.timeIntervalSince1970, request.expiresAt.timeIntervalSince1970, request.interval,
                    request.lastPolledAt?.timeIntervalSince1970, StoredOutcome.name(of: request.state), StoredOutcome.document(of: request.state),
                ])
    }

    public func request(authReqIdHash: String) async throws -> PendingRequest? {
        try await pool.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM pending_request WHERE auth_req_id_hash = ?"), arguments: [authReqIdHash])
                .map(Self.request)
        }
    }

    public func registerPoll(authReqIdHash: String, clientId: String, now: Date, enforceInterval: Bool) async throws -> PollOutcome {
        let now = now.timeIntervalSince1970
        // Every SET expression sees the old row, so `slowed` records whether this very poll came too soon.
        // One statement in autocommit mode is atomic; a compiled statement is reused across polls.
        let row = try await pool.writeWithoutTransaction { db in
            try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                    UPDATE pending_request SET
                        slowed = (:enforce AND state = 'pending' AND expires_at > :now AND last_polled_at IS NOT NULL
                                  AND :now - last_polled_at < poll_interval),
                        poll_interval = poll_interval + CASE WHEN :enforce AND state = 'pending' AND expires_at > :now AND last_polled_at IS NOT NULL
                                  AND :now - last_polled_at < poll_interval THEN 5 ELSE 0 END,
                        last_polled_at = :now
                    WHERE auth_req_id_hash = :hash AND client_id = :client
                    RETURNING *
                    """),
                arguments: ["now": now, "hash": authReqIdHash, "client": clientId, "enforce": enforceInterval])
        }
        guard let row else { return .unknown }
        let request = try Self.request(row)
        return (row["slowed"] as Bool) ? .slowDown(request) : .admitted(request)
    }

    public func conclude(authReqIdHash: String, result: BackchannelAuthenticationResult) async throws -> Bool {
        let state = PendingRequestState(result: result)
        return try await pool.writeWithoutTransaction { db in
            try db.cachedStatement(sql: "UPDATE pending_request SET state = ?, outcome = ? WHERE auth_req_id_hash = ? AND state = 'pending'")
                .execute(arguments: [StoredOutcome.name(of: state), StoredOutcome.document(of: state), authReqIdHash])
            return db.changesCount == 1
        }
    }

    public func redeem(authReqIdHash: String, clientId: String, now: Date) async throws -> PendingRequest? {
        try await pool.writeWithoutTransaction { db in
            try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                    DELETE FROM pending_request
                    WHERE auth_req_id_hash = ? AND client_id = ? AND state = 'approved' AND expires_at > ?
                    RETURNING *
                    """),
                arguments: [authReqIdHash, clientId, now.timeIntervalSince1970]
            ).map(Self.request)
        }
    }

    public func remove(authReqIdHash: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM pending_request WHERE auth_req_id_hash = ?", arguments: [authReqIdHash])
        }
    }

    public func claimExpired(now: Date, limit: Int) async throws -> [PendingRequest] {
        let now = now.timeIntervalSince1970
        return try await pool.write { db in
            try db.execute(sql: "DELETE FROM pending_request WHERE state = 'expired' AND purge_at <= ?", arguments: [now])
            return try Row.fetchAll(
                db,
                sql: """
                    UPDATE pending_request SET state = 'expired', outcome = NULL, purge_at = expires_at + ?
                    WHERE auth_req_id_hash IN (
                        SELECT auth_req_id_hash FROM pending_request WHERE state <> 'expired' AND expires_at <= ? LIMIT ?)
                    RETURNING *
                    """,
                arguments: [retention, now, limit]
            ).map(Self.request)
        }
    }

    static func request(_ row: Row) throws -> PendingRequest {
        let scopes: String = row["scopes"]
        let lastPolledAt: Double? = row["last_polled_at"]
        return PendingRequest(
            authReqIdHash: row["auth_req_id_hash"],
            clientId: row["client_id"],
            authenticator: row["authenticator"],
            scopes: scopes.split(separator: " ").map(String.init),
            acr: row["acr"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            expiresAt: Date(timeIntervalSince1970: row["expires_at"]),
            interval: row["poll_interval"],
            lastPolledAt: lastPolledAt.map(Date.init(timeIntervalSince1970:)),
            state: try StoredOutcome.state(name: row["state"], document: row["outcome"])
        )
    }
}
