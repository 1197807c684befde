import BackchannelCore
import BackchannelServer
import Foundation
import Logging
import PostgresNIO

extension PostgresStore: PendingRequestStore {
    /// The columns every query returns, in the order ``request(_:)`` decodes them.
    static let columns = """
        auth_req_id_hash, client_id, authenticator, scopes, acr, created_at, expires_at, poll_interval, state, outcome, claims,
        notify_mode, notify_auth_req_id, notify_token, subject, authorization_details
        """
    /// How many columns ``columns`` names.
    static let columnCount = columns.split(separator: ",").count

    public func insert(_ request: PendingRequest) async throws {
        try await client.withConnection { connection in try await Self.insert(request, on: connection, logger: self.logger) }
    }

    /// With this store's ``limits`` as the limit store: the limits' function and the insert in one statement
    /// (``AdmitAndInsertStatement``). With another, the limits are asked first.
    public func insert(_ request: PendingRequest, admitting admission: LimitAdmission, in limits: any LimitStore, now: Date) async throws -> LimitVerdict {
        guard let shared = limits as? PostgresLimits, shared === self.limits else {
            return try await insertAfterAsking(request, admitting: admission, in: limits, now: now)
        }
        return try await self.limits.admit(admission, now: now) { counts in
            let admit = AdmitStatement(admission: admission, counts: counts, now: now.timeIntervalSince1970)
            return try await self.client.execute(AdmitAndInsertStatement(admit: admit, request: request), logger: self.logger)
        }
    }

    public func insert(contentsOf requests: [PendingRequest]) async throws {
        try await client.withTransaction(logger: logger) { connection in
            for request in requests { try await Self.insert(request, on: connection, logger: self.logger) }
        }
    }

    private static func insert(_ request: PendingRequest, on connection: PostgresConnection, logger: Logger) async throws {
        let scopes = request.scopes.joined(separator: " ")
        let state = StoredOutcome.name(of: request.state)
        let outcome = StoredOutcome.document(of: request.state)
        try await connection.checkedQuery(
            """
            INSERT INTO backchannel_pending_request (auth_req_id_hash, client_id, authenticator, scopes, acr, created_at, expires_at,
                poll_interval, state, outcome, claims, notify_mode, notify_auth_req_id, notify_token, subject, authorization_details)
            VALUES (\(request.authReqIdHash), \(request.clientId), \(request.authenticator), \(scopes), \(request.acr),
                \(request.createdAt.timeIntervalSince1970), \(request.expiresAt.timeIntervalSince1970), \(request.interval),
                \(state), \(outcome), \(request.claims.storedForm),
                \(request.notification?.mode.rawValue), \(request.notification?.authReqId), \(request.notification?.token), \(request.subject),
                \(request.authorizationDetails))
            """, logger: logger)
    }

    public func request(authReqIdHash: String) async throws -> PendingRequest? {
        try await first(
            client.query("SELECT \(unescaped: Self.columns) FROM backchannel_pending_request WHERE auth_req_id_hash = \(authReqIdHash)", logger: logger))
    }

    /// A poll of a pending poll-mode request this node has read before is answered from memory
    /// (``PendingPollCache``, kept coherent by the change feed): no round trip. Otherwise it reads its row, and
    /// the authenticator's records of it, in one statement (which also marks the request as kept, the first
    /// time: from then on every change to it is notified), and keeps them while the request stays pending.
    public func pollRead(authReqIdHash: String) async throws -> (request: PendingRequest?, statusCheckScope: (any StatusCheckScope)?) {
        let now = clock.now
        if let kept = pollCache.answer(for: authReqIdHash, now: now) {
            return (kept.request, PluginStateReadAhead(key: authReqIdHash, records: kept.records))
        }
        let read = pollCache.beginRead(authReqIdHash)
        var kept: PendingPollCache.Entry?
        defer { if let read { pollCache.endRead(read, keeping: kept) } }
        let (request, records, marked) = try await readForPoll(authReqIdHash, now: now)
        guard let request else { return (nil, nil) }
        // Only poll-mode requests: a ping or push client polls once it has been told the request concluded.
        if marked, request.state == .pending, request.notification == nil { kept = PendingPollCache.Entry(request: request, records: records) }
        return (request, PluginStateReadAhead(key: authReqIdHash, records: records))
    }

    /// The request, the authenticator's live records under its hash, and whether it is marked as kept: one statement.
    private func readForPoll(_ authReqIdHash: String, now: Date) async throws -> (PendingRequest?, [PluginStateRecord], Bool) {
        let rows = try await client.execute(PollReadStatement(authReqIdHash: authReqIdHash, now: now.timeIntervalSince1970), logger: logger)
        guard let request = try await first(rows) else { return (nil, [], false) }
        // After the request's columns, its mark, then the joined record's, all NULL when there is none.
        let polledColumn = Self.columnCount
        let recordColumn = polledColumn + 1
        var polled = false
        var records: [PluginStateRecord] = []
        for joined in rows {
            let cells = joined.makeRandomAccess()
            polled = try cells[polledColumn].decode(Bool.self)
            guard let namespace = try cells[recordColumn].decode(String?.self) else { continue }
            records.append(PluginStateRecord(
                namespace: namespace, key: authReqIdHash, group: try cells[recordColumn + 1].decode(String?.self),
                value: try cells[recordColumn + 2].decode(Data.self),
                createdAt: Date(timeIntervalSince1970: try cells[recordColumn + 3].decode(Double.self)),
                expiresAt: Date(timeIntervalSince1970: try cells[recordColumn + 4].decode(Double.self))))
        }
        return (request, records, polled)
    }

    public func growInterval(authReqIdHash: String, by seconds: Int) async throws -> Int? {
        let rows = try await client.query(
            """
            UPDATE backchannel_pending_request SET poll_interval = poll_interval + \(seconds)
            WHERE auth_req_id_hash = \(authReqIdHash) AND state = 'pending' RETURNING poll_interval
            """, logger: logger)
        pollCache.forget(authReqIdHash)
        return try rows.first?.decode(Int.self)
    }

    // A change this node makes is forgotten here at once, not when its own notification comes back.

    public func conclude(authReqIdHash: String, result: BackchannelAuthenticationResult) async throws -> Bool {
        defer { pollCache.forget(authReqIdHash) }
        return try await client.execute(Self.conclusion(ConcludedHash.self, authReqIdHash: authReqIdHash, result: result), logger: logger).count == 1
    }

    public func concludeReturningRequest(authReqIdHash: String, result: BackchannelAuthenticationResult) async throws -> PendingRequest? {
        defer { pollCache.forget(authReqIdHash) }
        return try await first(client.execute(Self.conclusion(ConcludedRequest.self, authReqIdHash: authReqIdHash, result: result), logger: logger))
    }

    private static func conclusion<Returning>(
        _ returning: Returning.Type, authReqIdHash: String, result: BackchannelAuthenticationResult
    ) -> ConcludeStatement<Returning> {
        let state = PendingRequestState(result: result)
        return ConcludeStatement(state: StoredOutcome.name(of: state), outcome: StoredOutcome.document(of: state), authReqIdHash: authReqIdHash)
    }

    public func redeem(authReqIdHash: String, clientId: String, now: Date) async throws -> PendingRequest? {
        try await first(
            client.execute(RedeemStatement(authReqIdHash: authReqIdHash, clientId: clientId, now: now.timeIntervalSince1970), logger: logger))
    }

    public func remove(authReqIdHash: String) async throws {
        defer { pollCache.forget(authReqIdHash) }
        try await client.query("DELETE FROM backchannel_pending_request WHERE auth_req_id_hash = \(authReqIdHash)", logger: logger)
    }

    public func claimExpired(now: Date, limit: Int) async throws -> [PendingRequest] {
        let now = now.timeIntervalSince1970
        try await client.query("DELETE FROM backchannel_pending_request WHERE state = 'expired' AND purge_at <= \(now)", logger: logger)
        // SKIP LOCKED: concurrent sweepers on other nodes take other rows, never the same one.
        let rows = try await client.query(
            """
            UPDATE backchannel_pending_request SET state = 'expired', outcome = NULL, purge_at = expires_at + \(retention),
                notify_at = CASE WHEN notify_mode = 'push' AND notify_state IS NULL THEN 0 ELSE notify_at END,
                notify_state = CASE WHEN notify_mode = 'push' AND notify_state IS NULL THEN 'due' ELSE notify_state END
            WHERE auth_req_id_hash IN (
                SELECT auth_req_id_hash FROM backchannel_pending_request
                WHERE state <> 'expired' AND expires_at <= \(now)
                LIMIT \(limit) FOR UPDATE SKIP LOCKED)
            RETURNING \(unescaped: Self.columns)
            """, logger: logger)
        var claimed: [PendingRequest] = []
        for row in rows { claimed.append(try Self.decode(row)) }
        for request in claimed { pollCache.forget(request.authReqIdHash) }
        return claimed
    }

    public func pendingCounts() async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        let rows = try await client.query(
            "SELECT authenticator, count(*)::BIGINT FROM backchannel_pending_request WHERE state = 'pending' GROUP BY authenticator", logger: logger)
        for (authenticator, count) in try rows.map({ try $0.decode((String, Int).self) }) { counts[authenticator] = count }
        return counts
    }

    public func pendingRequests(subject: String?, clientId: String?, limit: Int) async throws -> [PendingRequest] {
        // Each filter has its partial index over pending rows; a filter left out matches everything.
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns) FROM backchannel_pending_request
            WHERE state = 'pending' AND (\(subject)::TEXT IS NULL OR subject = \(subject)) AND (\(clientId)::TEXT IS NULL OR client_id = \(clientId))
            ORDER BY created_at LIMIT \(limit)
            """, logger: logger)
        var found: [PendingRequest] = []
        for row in rows { found.append(try Self.decode(row)) }
        return found
    }

    public func claimNotifications(
        now: Date, limit: Int, lease: TimeInterval, excludingClients: Set<String>, perClient: Int
    ) async throws -> [DueNotification] {
        let now = now.timeIntervalSince1970
        let excluded = excludingClients.sorted()
        // SKIP LOCKED: nodes claiming at once take different notifications; the lease keeps a claim from
        // being taken again while its delivery runs.
        let rows = try await client.query(
            """
            UPDATE backchannel_pending_request SET notify_claimed_until = \(now + lease)
            WHERE auth_req_id_hash IN (
                SELECT auth_req_id_hash FROM backchannel_pending_request
                WHERE auth_req_id_hash IN (
                    SELECT ranked.hash FROM (
                        SELECT auth_req_id_hash AS hash, notify_at AS at, ROW_NUMBER() OVER (PARTITION BY client_id ORDER BY notify_at) AS place
                        FROM backchannel_pending_request
                        WHERE notify_state = 'due' AND notify_at <= \(now) AND (notify_claimed_until IS NULL OR notify_claimed_until <= \(now))
                            AND NOT (client_id = ANY(\(excluded)::TEXT[]))) AS ranked
                    WHERE ranked.place <= \(perClient) ORDER BY ranked.at LIMIT \(limit))
                AND notify_state = 'due' AND (notify_claimed_until IS NULL OR notify_claimed_until <= \(now))
                FOR UPDATE SKIP LOCKED)
            RETURNING \(unescaped: Self.columns), notify_attempts, notify_payload
            """, logger: logger)
        var claimed: [DueNotification] = []
        for row in rows {
            let request = try Self.decode(row)
            let columns = row.makeRandomAccess()
            claimed.append(
                DueNotification(
                    request: request, attempts: try columns[Self.columnCount].decode(Int.self), payload: try columns[Self.columnCount + 1].decode(Data?.self)))
        }
        return claimed
    }

    public func fixNotificationPayload(authReqIdHash: String, payload: Data) async throws -> Data {
        // The first payload stays: COALESCE keeps it, and RETURNING reads what the row holds.
        let rows = try await client.query(
            """
            UPDATE backchannel_pending_request SET notify_payload = COALESCE(notify_payload, \(payload))
            WHERE auth_req_id_hash = \(authReqIdHash)
            RETURNING notify_payload
            """, logger: logger)
        for fixed in try rows.map({ try $0.decode(Data?.self) }) { return fixed ?? payload }
        return payload
    }

    public func recordNotificationAttempt(authReqIdHash: String, outcome: NotificationAttemptOutcome) async throws {
        switch outcome {
        case .delivered:
            try await client.query(
                """
                UPDATE backchannel_pending_request SET notify_state = 'delivered', notify_attempts = notify_attempts + 1,
                    notify_payload = NULL, notify_claimed_until = NULL
                WHERE auth_req_id_hash = \(authReqIdHash) AND notify_state = 'due'
                """, logger: logger)
        case .retry(let at):
            try await client.query(
                """
                UPDATE backchannel_pending_request SET notify_attempts = notify_attempts + 1, notify_at = \(at.timeIntervalSince1970),
                    notify_claimed_until = NULL
                WHERE auth_req_id_hash = \(authReqIdHash) AND notify_state = 'due'
                """, logger: logger)
        case .failed:
            // A push approval whose tokens never arrived is a failed authentication.
            let failed = StoredOutcome.document(of: .failed(reason: "the tokens could not be delivered to the client"))
            try await client.query(
                """
                UPDATE backchannel_pending_request SET notify_state = 'failed', notify_attempts = notify_attempts + 1,
                    notify_payload = NULL, notify_claimed_until = NULL,
                    outcome = CASE WHEN notify_mode = 'push' AND state = 'approved' THEN \(failed) ELSE outcome END,
                    state = CASE WHEN notify_mode = 'push' AND state = 'approved' THEN 'failed' ELSE state END
                WHERE auth_req_id_hash = \(authReqIdHash) AND notify_state = 'due'
                """, logger: logger)
        }
    }

    func first(_ rows: [PostgresRow]) async throws -> PendingRequest? {
        var first: PendingRequest?
        for row in rows where first == nil { first = try Self.decode(row) }
        return first
    }

    static func decode(_ row: PostgresRow) throws -> PendingRequest {
        let (hash, client, authenticator, scopes, acr, created, expires, interval, state, outcome, claims, mode, rawId, token, subject, details) =
            try row.decode((String, String, String, String, String, Double, Double, Int, String, Data?, String, String?, String?, String?, String?, String).self)
        let request = PendingRequest(
            authReqIdHash: hash, clientId: client, authenticator: authenticator, scopes: scopes.split(separator: " ").map(String.init),
            acr: acr, createdAt: Date(timeIntervalSince1970: created), expiresAt: Date(timeIntervalSince1970: expires), interval: interval,
            state: try StoredOutcome.state(name: state, document: outcome),
            claims: RequestedClaims(storedForm: claims),
            notification: mode.flatMap(TokenDeliveryMode.init(rawValue:)).flatMap { mode in
                rawId.flatMap { id in token.map { ClientNotification(mode: mode, authReqId: id, token: $0) } }
            }, subject: subject, authorizationDetails: details)
        return request
    }
}
