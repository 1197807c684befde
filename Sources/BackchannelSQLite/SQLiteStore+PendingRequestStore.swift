import BackchannelCore
import BackchannelServer
import Foundation
import GRDB

extension SQLiteStore: PendingRequestStore {
    public func insert(_ request: PendingRequest) async throws {
        try await insert(contentsOf: [request])
    }

    public func insert(contentsOf requests: [PendingRequest]) async throws {
        try await commit.write { [self] db in
            for request in requests {
                recentRequests.drop(request.authReqIdHash)
                try Self.insert(request, into: db)
            }
        }
    }

    private static func insert(_ request: PendingRequest, into db: Database) throws {
        // Cached statements: prepared once, not parsed again on every request.
        try db.cachedStatement(
                sql: """
                    INSERT INTO pending_request (auth_req_id_hash, client_id, authenticator, scopes, acr, created_at, expires_at,
                        poll_interval, state, outcome, claims, notify_mode, notify_auth_req_id, notify_token, subject, authorization_details)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(
                arguments: [
                    request.authReqIdHash, request.clientId, request.authenticator, request.scopes.joined(separator: " "), request.acr,
                    request.createdAt.timeIntervalSince1970, request.expiresAt.timeIntervalSince1970, request.interval,
                    StoredOutcome.name(of: request.state), StoredOutcome.document(of: request.state),
                    request.claims.storedForm, request.notification?.mode.rawValue, request.notification?.authReqId,
                    request.notification?.token, request.subject, request.authorizationDetails,
                ])
    }

    public func request(authReqIdHash: String) async throws -> PendingRequest? {
        try await readNow { db in
            try Self.fetchRequest(db.cachedStatement(sql: "SELECT \(Self.requestColumns) FROM pending_request WHERE auth_req_id_hash = ?"), [authReqIdHash])
        }
    }

    /// A poll reads its row and writes nothing; a pending row polled recently is read from `recentRequests`.
    public func pollRead(authReqIdHash: String) async throws -> (request: PendingRequest?, statusCheckScope: (any StatusCheckScope)?) {
        if let kept = recentRequests[authReqIdHash] { return (kept, nil) }
        let found = try await readNow { [self] db in
            let row = try Self.fetchRequest(
                db.cachedStatement(sql: "SELECT \(Self.requestColumns) FROM pending_request WHERE auth_req_id_hash = ?"), [authReqIdHash])
            // Kept on the database queue, so no change can slip between this read and the keeping.
            if let row, row.state == .pending { recentRequests.keep(row, for: authReqIdHash) }
            return row
        }
        return (found, nil)
    }

    public func growInterval(authReqIdHash: String, by seconds: Int) async throws -> Int? {
        try await commit.write { [self] db in
            recentRequests.drop(authReqIdHash)
            return try Int.fetchOne(
                db.cachedStatement(
                    sql: "UPDATE pending_request SET poll_interval = poll_interval + ? WHERE auth_req_id_hash = ? AND state = 'pending' RETURNING poll_interval"),
                arguments: [seconds, authReqIdHash])
        }
    }

    public func conclude(authReqIdHash: String, result: BackchannelAuthenticationResult) async throws -> Bool {
        let state = PendingRequestState(result: result)
        return try await commit.write { [self] db in
            recentRequests.drop(authReqIdHash)
            // The notification, if the client takes one, is queued by the same statement.
            try db.cachedStatement(
                sql: """
                    UPDATE pending_request SET state = ?, outcome = ?,
                        notify_state = CASE WHEN notify_mode IS NULL THEN NULL ELSE 'due' END,
                        notify_at = CASE WHEN notify_mode IS NULL THEN NULL ELSE 0 END
                    WHERE auth_req_id_hash = ? AND state = 'pending'
                    """
            ).execute(arguments: [StoredOutcome.name(of: state), StoredOutcome.document(of: state), authReqIdHash])
            return db.changesCount == 1
        }
    }

    public func redeem(authReqIdHash: String, clientId: String, now: Date) async throws -> PendingRequest? {
        return try await commit.write { [self] db in
            recentRequests.drop(authReqIdHash)
            return try Self.fetchRequest(
                db.cachedStatement(
                    sql: """
                    DELETE FROM pending_request
                    WHERE auth_req_id_hash = ? AND client_id = ? AND state = 'approved' AND expires_at > ?
                    RETURNING \(Self.requestColumns)
                    """),
                [authReqIdHash, clientId, now.timeIntervalSince1970])
        }
    }

    public func remove(authReqIdHash: String) async throws {
        try await commit.write { [self] db in
            recentRequests.drop(authReqIdHash)
            try db.cachedStatement(sql: "DELETE FROM pending_request WHERE auth_req_id_hash = ?").execute(arguments: [authReqIdHash])
        }
    }

    public func claimExpired(now: Date, limit: Int) async throws -> [PendingRequest] {
        let now = now.timeIntervalSince1970
        let claimed = try await database.write { db in
            try db.execute(sql: "DELETE FROM pending_request WHERE state = 'expired' AND purge_at <= ?", arguments: [now])
            let claimed = try Row.fetchAll(
                db,
                sql: """
                    UPDATE pending_request SET state = 'expired', outcome = NULL, purge_at = expires_at + ?,
                        notify_at = CASE WHEN notify_mode = 'push' AND notify_state IS NULL THEN 0 ELSE notify_at END,
                        notify_state = CASE WHEN notify_mode = 'push' AND notify_state IS NULL THEN 'due' ELSE notify_state END
                    WHERE auth_req_id_hash IN (
                        SELECT auth_req_id_hash FROM pending_request WHERE state <> 'expired' AND expires_at <= ? LIMIT ?)
                    RETURNING \(Self.requestColumns)
                    """,
                arguments: [retention, now, limit]
            ).map(Self.request)
            for request in claimed { recentRequests.drop(request.authReqIdHash) }
            return claimed
        }
        return claimed
    }

    public func pendingCounts() async throws -> [String: Int] {
        try await readNow { db in
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT authenticator, count(*) FROM pending_request WHERE state = 'pending' GROUP BY authenticator") {
                counts[row[0]] = row[1]
            }
            return counts
        }
    }

    public func pendingRequests(subject: String?, clientId: String?, limit: Int) async throws -> [PendingRequest] {
        // Each filter has its partial index over pending rows; with neither, the oldest pending requests.
        var conditions = ["state = 'pending'"]
        var arguments: StatementArguments = []
        if let subject {
            conditions.append("subject = ?")
            arguments += [subject]
        }
        if let clientId {
            conditions.append("client_id = ?")
            arguments += [clientId]
        }
        arguments += [limit]
        let (filter, bound) = (conditions.joined(separator: " AND "), arguments)
        return try await readNow { db in
            try Row.fetchAll(
                db, sql: "SELECT \(Self.requestColumns) FROM pending_request WHERE \(filter) ORDER BY created_at LIMIT ?",
                arguments: bound
            ).map(Self.request)
        }
    }

    public func claimNotifications(
        now: Date, limit: Int, lease: TimeInterval, excludingClients: Set<String>, perClient: Int
    ) async throws -> [DueNotification] {
        let now = now.timeIntervalSince1970
        // The clients to leave out, as one JSON array: one statement, whatever their number.
        let excluded = String(decoding: try JSONEncoder().encode(excludingClients.sorted()), as: UTF8.self)
        return try await database.write { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        UPDATE pending_request SET notify_claimed_until = ?
                        WHERE auth_req_id_hash IN (
                            SELECT hash FROM (
                                SELECT auth_req_id_hash AS hash, notify_at AS at,
                                    ROW_NUMBER() OVER (PARTITION BY client_id ORDER BY notify_at) AS place
                                FROM pending_request
                                WHERE notify_state = 'due' AND notify_at <= ? AND (notify_claimed_until IS NULL OR notify_claimed_until <= ?)
                                    AND client_id NOT IN (SELECT value FROM json_each(?)))
                            WHERE place <= ? ORDER BY at LIMIT ?)
                        RETURNING \(Self.requestColumns), notify_attempts, notify_payload
                        """),
                arguments: [now + lease, now, now, excluded, perClient, limit]
            ).map { row in
                DueNotification(request: try Self.request(row), attempts: row[16], payload: row[17])
            }
        }
    }

    public func fixNotificationPayload(authReqIdHash: String, payload: Data) async throws -> Data {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE pending_request SET notify_payload = ? WHERE auth_req_id_hash = ? AND notify_payload IS NULL",
                arguments: [payload, authReqIdHash])
            return try Data.fetchOne(db, sql: "SELECT notify_payload FROM pending_request WHERE auth_req_id_hash = ?", arguments: [authReqIdHash])
                ?? payload
        }
    }

    public func recordNotificationAttempt(authReqIdHash: String, outcome: NotificationAttemptOutcome) async throws {
        // One per notification sent: batched with the request path's writes.
        try await commit.write { [self] db in
            recentRequests.drop(authReqIdHash)
            switch outcome {
            case .delivered:
                try db.cachedStatement(
                    sql: """
                        UPDATE pending_request SET notify_state = 'delivered', notify_attempts = notify_attempts + 1, notify_payload = NULL,
                            notify_claimed_until = NULL
                        WHERE auth_req_id_hash = ? AND notify_state = 'due'
                        """
                ).execute(arguments: [authReqIdHash])
            case .retry(let at):
                try db.cachedStatement(
                    sql: """
                        UPDATE pending_request SET notify_attempts = notify_attempts + 1, notify_at = ?, notify_claimed_until = NULL
                        WHERE auth_req_id_hash = ? AND notify_state = 'due'
                        """
                ).execute(arguments: [at.timeIntervalSince1970, authReqIdHash])
            case .failed:
                // A push approval whose tokens never arrived is a failed authentication.
                let failed = PendingRequestState.failed(reason: "the tokens could not be delivered to the client")
                try db.cachedStatement(
                    sql: """
                        UPDATE pending_request SET notify_state = 'failed', notify_attempts = notify_attempts + 1, notify_payload = NULL,
                            notify_claimed_until = NULL,
                            outcome = CASE WHEN notify_mode = 'push' AND state = 'approved' THEN ? ELSE outcome END,
                            state = CASE WHEN notify_mode = 'push' AND state = 'approved' THEN 'failed' ELSE state END
                        WHERE auth_req_id_hash = ? AND notify_state = 'due'
                        """
                ).execute(arguments: [StoredOutcome.document(of: failed), authReqIdHash])
            }
        }
    }

    /// The columns a `PendingRequest` is read from, in the order `request(_:)` reads them by index
    /// (by name, each read would search the column names).
    static let requestColumns = "auth_req_id_hash, client_id, authenticator, scopes, acr, created_at, expires_at, poll_interval, state, outcome, claims, notify_mode, notify_auth_req_id, notify_token, subject, authorization_details"

    /// The one row a statement yields, if any, read in place rather than copied.
    static func fetchRequest(_ statement: Statement, _ arguments: StatementArguments) throws -> PendingRequest? {
        let cursor = try Row.fetchCursor(statement, arguments: arguments)
        // The row is valid only while the cursor lives (its end resets the statement).
        return try withExtendedLifetime(cursor) { try cursor.next().map(Self.request) }
    }

    /// A request from a row of `requestColumns`. The last poll's time is not in the row: see `PollPacing`.
    static func request(_ row: Row) throws -> PendingRequest {
        let scopes: String = row[3]
        return PendingRequest(
            authReqIdHash: row[0],
            clientId: row[1],
            authenticator: row[2],
            scopes: scopes.split(separator: " ").map(String.init),
            acr: row[4],
            createdAt: Date(timeIntervalSince1970: row[5]),
            expiresAt: Date(timeIntervalSince1970: row[6]),
            interval: row[7],
            state: try StoredOutcome.state(name: row[8], document: row[9]),
            claims: RequestedClaims(storedForm: row[10]),
            notification: Self.notification(mode: row[11], authReqId: row[12], token: row[13]),
            subject: row[14],
            authorizationDetails: row[15]
        )
    }

    static func notification(mode: String?, authReqId: String?, token: String?) -> ClientNotification? {
        guard let mode = mode.flatMap(TokenDeliveryMode.init(rawValue:)), let authReqId, let token else { return nil }
        return ClientNotification(mode: mode, authReqId: authReqId, token: token)
    }
}
