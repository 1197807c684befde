import BackchannelCore
import BackchannelPostgres
import BackchannelServer
import BackchannelTesting
import Foundation
import Testing

@Suite("Pending-request store contract", .timeLimit(.minutes(2)))
struct PendingRequestStoreContractTests {
    private func request(_ hash: String, client: String = "console", at now: Date, expiresIn: TimeInterval = 100) -> PendingRequest {
        PendingRequest(
            authReqIdHash: hash, clientId: client, authenticator: "mock-push", scopes: ["openid", "profile"], acr: "urn:acr:push",
            createdAt: now, expiresAt: now.addingTimeInterval(expiresIn), interval: 5,
            claims: RequestedClaims(idToken: ["email", "name"], userinfo: ["phone_number"]),
            authorizationDetails: #"[{"creditorName":"Merchant é","type":"payment_initiation"}]"#)
    }

    private let approval = BackchannelAuthenticationResult.approved(
        AuthenticationAttributes(
            subject: "alice", acr: "urn:acr:strong", amr: ["swk", "user"], authTime: Date(timeIntervalSince1970: 1_800_000_001),
            extraClaims: ["email": .string("alice@example.com"), "level": .integer(2)]))

    @Test("PostgreSQL runs the same contract", .enabled(if: StoreKind.postgresInstalled, "skipped: PostgreSQL (initdb, pg_ctl) is not installed; .ci/run installs it"))
    func postgresIsAvailable() async throws {
        let store = try await StoreUnderTest.make(.postgres)
        defer { store.close() }
        #expect(try await store.requests.request(authReqIdHash: "nothing") == nil)
    }

    @Test("a stored request reads back whole, and a duplicate insert fails", arguments: StoreKind.available)
    func roundTrip(kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        defer { store.close() }
        let original = request("h1", at: store.clock.now)
        try await store.requests.insert(original)
        #expect(try await store.requests.request(authReqIdHash: "h1") == original)
        await #expect(throws: (any Error).self) { try await store.requests.insert(original) }
    }

    @Test("a poll reads the request and writes nothing; growing the interval holds for every later read, and only while pending", arguments: StoreKind.available)
    func pollsAndGrownIntervals(kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        defer { store.close() }
        let now = store.clock.now
        let original = request("h1", at: now)
        try await store.requests.insert(original)
        #expect(try await store.requests.pollRead(authReqIdHash: "nope").request == nil)
        #expect(try await store.requests.pollRead(authReqIdHash: "h1").request == original)
        #expect(try await store.requests.growInterval(authReqIdHash: "h1", by: 5) == 10)
        #expect(try await store.requests.pollRead(authReqIdHash: "h1").request?.interval == 10)
        #expect(try await store.requests.request(authReqIdHash: "h1")?.interval == 10)
        #expect(try await store.requests.growInterval(authReqIdHash: "nope", by: 5) == nil)
        #expect(try await store.requests.conclude(authReqIdHash: "h1", result: .denied(reason: nil)))
        #expect(try await store.requests.growInterval(authReqIdHash: "h1", by: 5) == nil)
        #expect(try await store.requests.request(authReqIdHash: "h1")?.interval == 10)
    }

    @Test("what a poll reads ahead answers the first read of each record, later reads the store", arguments: StoreKind.available)
    func pollReadingAhead(kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        defer { store.close() }
        let now = store.clock.now
        try await store.requests.insert(request("h1", at: now))
        let stored = PluginStateRecord(
            namespace: "mock-push", key: "h1", group: nil, value: Data("before".utf8), createdAt: now, expiresAt: now.addingTimeInterval(100))
        #expect(try await store.pluginState.insert(stored))
        let (read, scope) = try await MeteredPendingRequestStore(store.requests).pollRead(authReqIdHash: "h1")
        #expect(read?.authReqIdHash == "h1")
        guard kind == .postgres else {
            #expect(scope == nil)
            return
        }
        let ahead = try #require(scope)
        // The record changes after the poll: the first read sees it as the poll read it, the next one the change.
        #expect(try await store.pluginState.replace(namespace: "mock-push", key: "h1", expected: Data("before".utf8), with: Data("after".utf8), group: nil))
        try await ahead.run { () async throws -> Void in
            #expect(try await store.pluginState.record(namespace: "mock-push", key: "h1")?.value == Data("before".utf8))
            #expect(try await store.pluginState.record(namespace: "mock-push", key: "h1")?.value == Data("after".utf8))
            // A namespace with no record under the key: none, as read ahead; another key: from the store.
            #expect(try await store.pluginState.record(namespace: "sms", key: "h1") == nil)
            #expect(try await store.pluginState.record(namespace: "mock-push", key: "h2") == nil)
        }
    }

    @Test("what a poll reads follows every change: conclusion, redemption, removal and expiry", arguments: StoreKind.available)
    func pollsFollowChanges(kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        defer { store.close() }
        let requests = store.requests
        let now = store.clock.now
        func poll(_ hash: String, at offset: TimeInterval = 0) async throws -> PendingRequest? {
            try await requests.pollRead(authReqIdHash: hash).request
        }
        for hash in ["approved", "removed", "expiring"] { try await requests.insert(request(hash, at: now, expiresIn: hash == "expiring" ? 10 : 100)) }
        // Each is polled first, so a store that keeps what polls read has it in hand before each change.
        for hash in ["approved", "removed", "expiring"] { #expect(try await poll(hash)?.state == .pending) }

        #expect(try await requests.conclude(authReqIdHash: "approved", result: approval))
        #expect(try await poll("approved")?.state == PendingRequestState(result: approval))
        #expect(try await requests.redeem(authReqIdHash: "approved", clientId: "console", now: now) != nil)
        #expect(try await poll("approved") == nil)

        try await requests.remove(authReqIdHash: "removed")
        #expect(try await poll("removed") == nil)

        #expect(try await requests.claimExpired(now: now.addingTimeInterval(11), limit: 10).map(\.authReqIdHash) == ["expiring"])
        #expect(try await poll("expiring", at: 11)?.state == .expired)
    }

    @Test("pending counts are by authenticator and leave out concluded requests", arguments: StoreKind.available)
    func pendingCounts(kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        defer { store.close() }
        let now = store.clock.now
        for hash in ["a", "b", "c"] { try await store.requests.insert(request(hash, at: now)) }
        var sms = request("d", at: now)
        sms.authenticator = "sms"
        try await store.requests.insert(sms)
        _ = try await store.requests.conclude(authReqIdHash: "c", result: approval)
        #expect(try await store.requests.pendingCounts() == ["mock-push": 2, "sms": 1])
    }

    @Test("pending requests are listed by subject and by client, oldest first, concluded ones left out, the subject read back", arguments: StoreKind.available)
    func pendingBySubjectAndClient(kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        defer { store.close() }
        let now = store.clock.now
        for (index, (hash, subject, client)) in [("a", "alice", "console"), ("b", "bob", "console"), ("c", "alice", "kiosk"), ("d", "alice", "console")].enumerated() {
            var pending = request(hash, client: client, at: now.addingTimeInterval(Double(index)))
            pending.subject = subject
            try await store.requests.insert(pending)
        }
        try await store.requests.insert(request("e", at: now.addingTimeInterval(-1)))  // no subject known
        _ = try await store.requests.conclude(authReqIdHash: "d", result: approval)
        let requests = store.requests
        #expect(try await requests.pendingRequests(subject: "alice", clientId: nil, limit: 10).map(\.authReqIdHash) == ["a", "c"])
        #expect(try await requests.pendingRequests(subject: "alice", clientId: "kiosk", limit: 10).map(\.authReqIdHash) == ["c"])
        #expect(try await requests.pendingRequests(subject: nil, clientId: "console", limit: 10).map(\.authReqIdHash) == ["e", "a", "b"])
        #expect(try await requests.pendingRequests(subject: nil, clientId: nil, limit: 2).map(\.authReqIdHash) == ["e", "a"])
        #expect(try await requests.pendingRequests(subject: "carol", clientId: nil, limit: 10).isEmpty)
        #expect(try await requests.request(authReqIdHash: "b")?.subject == "bob")
        #expect(try await requests.request(authReqIdHash: "e")?.subject == nil)
    }

    @Test("a conclusion is recorded once and reads back whole", arguments: StoreKind.available)
    func conclude(kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        defer { store.close() }
        try await store.requests.insert(request("h1", at: store.clock.now))
        #expect(try await store.requests.conclude(authReqIdHash: "h1", result: approval))
        #expect(try await store.requests.conclude(authReqIdHash: "h1", result: .denied(reason: "late")) == false)
        #expect(try await store.requests.request(authReqIdHash: "h1")?.state == PendingRequestState(result: approval))
        #expect(try await store.requests.conclude(authReqIdHash: "unknown", result: approval) == false)
    }

    @Test("a conclusion returning the request gives it back as concluded, once; nothing for a concluded or unknown one", arguments: StoreKind.available)
    func concludeReturningRequest(kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        defer { store.close() }
        let original = request("h1", at: store.clock.now)
        try await store.requests.insert(original)
        var expected = original
        expected.state = PendingRequestState(result: approval)
        #expect(try await store.requests.concludeReturningRequest(authReqIdHash: "h1", result: approval) == expected)
        #expect(try await store.requests.concludeReturningRequest(authReqIdHash: "h1", result: .denied(reason: "late")) == nil)
        #expect(try await store.requests.request(authReqIdHash: "h1") == expected)
        #expect(try await store.requests.concludeReturningRequest(authReqIdHash: "unknown", result: approval) == nil)
    }

    @Test("a request admitted by the limits is stored with its member counted; a refused one is not stored, a failed insert counts nothing", arguments: StoreKind.available)
    func insertAdmitting(kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        defer { store.close() }
        // PostgreSQL keeps the limits itself (one statement); the others ask a limit store in memory.
        let limits: any LimitStore = (store.requests as? PostgresStore)?.limits ?? InMemoryLimitStore()
        let now = store.clock.now
        let admission = { (member: String) in
            LimitAdmission(
                cooldown: .init(key: "cd", capacity: 1, refillPerSecond: 0.01), buckets: [.init(key: "user", capacity: 5, refillPerSecond: 0.01)],
                member: member, caps: [.init(key: "s", limit: 1)], until: now.addingTimeInterval(100))
        }
        #expect(try await store.requests.insert(request("h1", at: now), admitting: admission("h1"), in: limits, now: now) == .admitted)
        #expect(try await store.requests.request(authReqIdHash: "h1") == request("h1", at: now))
        #expect(try await store.requests.insert(request("h2", at: now), admitting: admission("h2"), in: limits, now: now) == .capReached)
        #expect(try await store.requests.request(authReqIdHash: "h2") == nil)
        // A duplicate fails to store; where one statement does both (PostgreSQL), its admission is not counted.
        var duplicate = admission("dup")
        duplicate.caps = [.init(key: "t", limit: 1)]
        await #expect(throws: (any Error).self) {
            try await store.requests.insert(request("h1", at: now), admitting: duplicate, in: limits, now: now)
        }
        if kind == .postgres { #expect(try await limits.release(member: "dup").isEmpty) }
        #expect(Set(try await limits.release(member: "h1")) == ["s"])
        #expect(try await store.requests.insert(request("h3", at: now), admitting: admission("h3"), in: limits, now: now) == .admitted)
    }

    @Test("of 50 concurrent redemptions exactly one wins, and only the owner can redeem", arguments: StoreKind.available)
    func redeemOnce(kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        defer { store.close() }
        let now = store.clock.now
        try await store.requests.insert(request("h1", at: now))
        #expect(try await store.requests.redeem(authReqIdHash: "h1", clientId: "console", now: now) == nil)  // still pending
        _ = try await store.requests.conclude(authReqIdHash: "h1", result: approval)
        #expect(try await store.requests.redeem(authReqIdHash: "h1", clientId: "kiosk", now: now) == nil)
        let requests = store.requests
        let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<50 { group.addTask { try await requests.redeem(authReqIdHash: "h1", clientId: "console", now: now) != nil } }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(winners == 1)
        #expect(try await store.requests.request(authReqIdHash: "h1") == nil)
    }

    @Test("an approval is not redeemable after expiry", arguments: StoreKind.available)
    func noRedemptionAfterExpiry(kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        defer { store.close() }
        let now = store.clock.now
        try await store.requests.insert(request("h1", at: now, expiresIn: 10))
        _ = try await store.requests.conclude(authReqIdHash: "h1", result: approval)
        #expect(try await store.requests.redeem(authReqIdHash: "h1", clientId: "console", now: now.addingTimeInterval(10)) == nil)
    }

    @Test("concurrent sweeps claim each expired request exactly once, then purge it after the retention", arguments: StoreKind.available)
    func expiry(kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind, retention: 60)
        defer { store.close() }
        let now = store.clock.now
        for index in 0..<40 { try await store.requests.insert(request("e\(index)", at: now, expiresIn: 10)) }
        try await store.requests.insert(request("live", at: now, expiresIn: 1000))
        try await store.requests.insert(request("redeemed", at: now, expiresIn: 10))
        _ = try await store.requests.conclude(authReqIdHash: "redeemed", result: approval)
        _ = try await store.requests.redeem(authReqIdHash: "redeemed", clientId: "console", now: now)
        #expect(try await store.requests.claimExpired(now: now, limit: 100).isEmpty)

        let later = now.addingTimeInterval(10)
        let requests = store.requests
        let claimed = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<6 { group.addTask { try await requests.claimExpired(now: later, limit: 5).map(\.authReqIdHash) } }
            return try await group.reduce(into: [String]()) { $0 += $1 }
        }
        var all = claimed
        while case let more = try await store.requests.claimExpired(now: later, limit: 100), !more.isEmpty { all += more.map(\.authReqIdHash) }
        #expect(all.count == 40)
        #expect(Set(all) == Set((0..<40).map { "e\($0)" }))
        #expect(try await store.requests.request(authReqIdHash: "e0")?.state == .expired)
        #expect(try await store.requests.request(authReqIdHash: "live")?.state == .pending)

        #expect(try await store.requests.claimExpired(now: later.addingTimeInterval(60), limit: 100).isEmpty)
        #expect(try await store.requests.request(authReqIdHash: "e0") == nil)
        #expect(try await store.requests.request(authReqIdHash: "live") != nil)
    }
}
