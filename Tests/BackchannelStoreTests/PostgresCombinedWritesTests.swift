import BackchannelCore
import BackchannelServer
import BackchannelTesting
import Foundation
import MockPushAuthenticator
import Testing

@testable import BackchannelPostgres

/// Where the engine's requests, its limits and the plugins' records are one PostgreSQL database, a conclusion
/// is written with the authenticator's record in one statement, and a redemption ends what the request held
/// in its own: a whole flow (start, the user's answer, the redeeming poll) is six round trips.
@Suite("PostgreSQL: conclusions with their records, redemptions with their leftovers", .timeLimit(.minutes(2)),
    .enabled(if: StoreKind.postgresInstalled, "PostgreSQL is not installed"))
struct PostgresCombinedWritesTests {
    static let namespace = "records"
    let approval = BackchannelAuthenticationResult.approved(AuthenticationAttributes(subject: "alice", authTime: Date(timeIntervalSince1970: 1_800_000_000)))

    /// A store with its pool running, and the task running it.
    static func store(clock: VirtualClock = VirtualClock()) async throws -> (PostgresStore, Task<Void, Never>) {
        let url = try await TemporaryPostgresServer.shared().makeDatabase()
        let store = try await PostgresStore.connect(
            url: url, connections: 4, clock: clock, connectTimeout: TemporaryPostgresServer.connectTimeout,
            operationDeadline: TemporaryPostgresServer.connectTimeout)
        return (store, Task { await store.run() })
    }

    static func request(_ hash: String, now: Date) -> PendingRequest {
        PendingRequest(
            authReqIdHash: hash, clientId: "console", authenticator: "record", scopes: ["openid"], acr: "urn:acr:record", createdAt: now,
            expiresAt: now.addingTimeInterval(300), interval: 5)
    }

    /// A pending request `hash` with the authenticator's record "pending" under it, and one in another namespace.
    static func seed(_ store: PostgresStore, _ hash: String) async throws {
        let now = store.clock.now
        try await store.insert(request(hash, now: now))
        for namespace in [namespace, "elsewhere"] {
            #expect(try await store.insert(
                PluginStateRecord(namespace: namespace, key: hash, value: Data("pending".utf8), createdAt: now, expiresAt: now.addingTimeInterval(300))))
        }
    }

    static func replacement(_ hash: String, expected: String = "pending") -> PluginStateReplacement {
        PluginStateReplacement(namespace: namespace, key: hash, expected: Data(expected.utf8), value: Data("approved".utf8), group: nil)
    }

    static func value(_ store: PostgresStore, _ namespace: String, _ hash: String) async throws -> String? {
        try await store.record(namespace: namespace, key: hash).map { String(decoding: $0.value, as: UTF8.self) }
    }

    @Test("the record's compare-and-set and the request's conclusion are one statement")
    func conclusionWithRecordIsOneStatement() async throws {
        let (store, run) = try await Self.store()
        defer { run.cancel() }
        try await Self.seed(store, "h1")
        let before = store.connectionLeases
        let written = try #require(try await store.concludeReturningRequest(authReqIdHash: "h1", result: approval, replacing: Self.replacement("h1"), in: store))
        #expect(store.connectionLeases - before == 1)
        #expect(written.replaced)
        #expect(written.concluded?.authReqIdHash == "h1")
        #expect(written.concluded?.state == .approved(AuthenticationAttributes(subject: "alice", authTime: Date(timeIntervalSince1970: 1_800_000_000))))
        #expect(try await Self.value(store, Self.namespace, "h1") == "approved")
        #expect(try await store.request(authReqIdHash: "h1")?.state == written.concluded?.state)
    }

    @Test("a record changed meanwhile is not replaced, and the request stays pending")
    func staleRecordConcludesNothing() async throws {
        let (store, run) = try await Self.store()
        defer { run.cancel() }
        try await Self.seed(store, "h1")
        let written = try #require(
            try await store.concludeReturningRequest(authReqIdHash: "h1", result: approval, replacing: Self.replacement("h1", expected: "stale"), in: store))
        #expect(!written.replaced)
        #expect(written.concluded == nil)
        #expect(try await Self.value(store, Self.namespace, "h1") == "pending")
        #expect(try await store.request(authReqIdHash: "h1")?.state == .pending)
    }

    @Test("a request concluded already keeps its conclusion; the record is still replaced")
    func concludedRequestKeepsItsConclusion() async throws {
        let (store, run) = try await Self.store()
        defer { run.cancel() }
        try await Self.seed(store, "h1")
        #expect(try await store.conclude(authReqIdHash: "h1", result: .denied(reason: "first")))
        let written = try #require(try await store.concludeReturningRequest(authReqIdHash: "h1", result: approval, replacing: Self.replacement("h1"), in: store))
        #expect(written.replaced)
        #expect(written.concluded == nil)
        #expect(try await store.request(authReqIdHash: "h1")?.state == .denied(reason: "first"))
        #expect(try await Self.value(store, Self.namespace, "h1") == "approved")
    }

    @Test("a record in another store is not written with the request: nothing is done, the caller writes each")
    func recordElsewhereIsNotCombined() async throws {
        let (store, run) = try await Self.store()
        defer { run.cancel() }
        try await Self.seed(store, "h1")
        let other = InMemoryPluginStateStore(clock: VirtualClock())
        #expect(try await store.concludeReturningRequest(authReqIdHash: "h1", result: approval, replacing: Self.replacement("h1"), in: other) == nil)
        #expect(try await store.request(authReqIdHash: "h1")?.state == .pending)
        #expect(try await Self.value(store, Self.namespace, "h1") == "pending")
    }

    @Test("a redemption deletes the request, its records in the namespaces named and its limit holds, in one statement")
    func redemptionEndsItsLeftovers() async throws {
        let (store, run) = try await Self.store()
        defer { run.cancel() }
        let now = store.clock.now
        try await Self.seed(store, "h1")
        // The request holds the only place under a cap of one: another member is refused while it does.
        #expect(try await store.limits.admit(member: "h1", caps: [(key: "pc:console", cap: 1)], until: now.addingTimeInterval(300), now: now))
        #expect(try await !store.limits.admit(member: "h2", caps: [(key: "pc:console", cap: 1)], until: now.addingTimeInterval(300), now: now))
        #expect(try await store.conclude(authReqIdHash: "h1", result: approval))
        let before = store.connectionLeases
        let (redeemed, ended) = try await store.redeem(
            authReqIdHash: "h1", clientId: "console", now: now,
            ending: RedemptionLeftovers(limits: store.limits, records: store, recordNamespaces: [Self.namespace]))
        #expect(store.connectionLeases - before == 1)
        #expect(redeemed?.authReqIdHash == "h1" && ended)
        #expect(try await store.request(authReqIdHash: "h1") == nil)
        #expect(try await Self.value(store, Self.namespace, "h1") == nil)
        #expect(try await Self.value(store, "elsewhere", "h1") == "pending")
        #expect(try await store.limits.admit(member: "h2", caps: [(key: "pc:console", cap: 1)], until: now.addingTimeInterval(300), now: now))
    }

    @Test("a redemption that redeems nothing (pending, another client's, twice) ends nothing")
    func failedRedemptionEndsNothing() async throws {
        let (store, run) = try await Self.store()
        defer { run.cancel() }
        let now = store.clock.now
        try await Self.seed(store, "h1")
        #expect(try await store.limits.admit(member: "h1", caps: [(key: "pc:console", cap: 1)], until: now.addingTimeInterval(300), now: now))
        let leftovers = RedemptionLeftovers(limits: store.limits, records: store, recordNamespaces: [Self.namespace])
        #expect(try await store.redeem(authReqIdHash: "h1", clientId: "console", now: now, ending: leftovers) == (nil, false))
        #expect(try await store.conclude(authReqIdHash: "h1", result: approval))
        #expect(try await store.redeem(authReqIdHash: "h1", clientId: "intruder", now: now, ending: leftovers) == (nil, false))
        #expect(try await Self.value(store, Self.namespace, "h1") == "pending")
        #expect(try await !store.limits.admit(member: "h2", caps: [(key: "pc:console", cap: 1)], until: now.addingTimeInterval(300), now: now))
        #expect(try await store.redeem(authReqIdHash: "h1", clientId: "console", now: now, ending: leftovers).endedLeftovers)
        #expect(try await store.redeem(authReqIdHash: "h1", clientId: "console", now: now, ending: leftovers) == (nil, false))
    }

    @Test("leftovers in another store: the request is redeemed alone, and the caller ends them")
    func leftoversElsewhereAreLeftToTheCaller() async throws {
        let (store, run) = try await Self.store()
        defer { run.cancel() }
        let now = store.clock.now
        try await Self.seed(store, "h1")
        #expect(try await store.conclude(authReqIdHash: "h1", result: approval))
        let (redeemed, ended) = try await store.redeem(
            authReqIdHash: "h1", clientId: "console", now: now,
            ending: RedemptionLeftovers(limits: InMemoryLimitStore(), records: store, recordNamespaces: [Self.namespace]))
        #expect(redeemed?.authReqIdHash == "h1" && !ended)
        #expect(try await Self.value(store, Self.namespace, "h1") == "pending")
    }

    @Test("a complete flow with the mock push authenticator: start 2 round trips, the user's answer 2, the redeeming poll 2, which releases the user's hold")
    func completeFlowTakesSixRoundTrips() async throws {
        let clock = VirtualClock()
        let (store, run) = try await Self.store(clock: clock)
        defer { run.cancel() }
        let harness = BackchannelHandlerHarness(users: [DirectoryUser(subject: "alice")], clock: clock)
        var services = harness.services
        services.stateStore = store
        services.completionSink = StoreCompletionSink(store: store)
        let push = MockPushAuthenticator(configuration: MockPushConfiguration(users: ["alice": MockPushScript(action: .silent)]), services: services)
        // One pending request per user: each flow's start is admitted only if the last redemption released its hold.
        var policy = ServerPolicy()
        policy.limits.maxPendingPerSubject = 1
        policy.limits.maxPendingPerClientSubject = 1
        let engine = try BackchannelEngine(
            EngineConfiguration(
                issuer: "https://op.example.com", policy: policy,
                clients: [ClientConfiguration(clientId: "console", clientSecret: "console-secret-0042")],
                authenticators: [AuthenticatorRoute(instance: AuthenticatorInstance(name: "mock-push", plugin: "mock-push", handler: push, interaction: nil))],
                keys: try await SigningKeySet.load([], keyStore: store)),
            stores: EngineStores(requests: store, limits: store.limits, replay: store),
            environment: EngineEnvironment(clock: clock))
        let authorization = "Basic " + Data("console:console-secret-0042".utf8).base64EncodedString()
        func roundTrips<T>(_ step: () async throws -> T) async rethrows -> (T, Int) {
            let before = store.connectionLeases
            let value = try await step()
            return (value, store.connectionLeases - before)
        }
        func flow() async throws -> [Int] {
            let (authReqId, start) = try await roundTrips {
                try await engine.authenticationRequest(OAuthParameters([("scope", "openid"), ("login_hint", "alice")]), authorization: authorization)
                    .get().authReqId
            }
            let hash = AuthReqId(rawValue: BackchannelEngine.authReqIdHash(authReqId))
            let (answered, answer) = try await roundTrips { try await push.respond(authReqId: hash, approve: true) }
            #expect(answered)
            let (tokens, poll) = await roundTrips {
                await engine.tokenRequest(
                    OAuthParameters([("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", authReqId)]), authorization: authorization)
            }
            #expect(try tokens.get().idToken != nil)
            // The redemption took the authenticator's record with it.
            #expect(try await store.record(namespace: "mock-push", key: hash.rawValue) == nil)
            return [start, answer, poll]
        }
        // The first flow also leases the client's rate tokens for the next ones (a statement per batch).
        _ = try await flow()
        #expect(try await flow() == [2, 2, 2])
        #expect(try await flow() == [2, 2, 2])
    }
}
