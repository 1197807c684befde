import BackchannelCore
import BackchannelServer
import BackchannelTesting
import Foundation
import PostgresNIO
import Testing

@testable import BackchannelPostgres

/// Two engines (nodes) on one PostgreSQL database: a poll of a pending request that a node has read before is
/// answered from its memory, with no round trip, and never stays `authorization_pending` once the request
/// concluded on the other node, redeemed exactly once, whatever happens to the change feed's connection.
@Suite("PostgreSQL polls answered from memory, across nodes", .timeLimit(.minutes(2)),
    .enabled(if: StoreKind.postgresInstalled, "PostgreSQL is not installed"))
struct PostgresPollCacheTests {
    /// An authenticator whose whole state is a record in the plugin-state store, as the built-in ones keep
    /// theirs: "pending" until the test writes "approved" or "denied" into it.
    struct RecordHandler: BackchannelAuthenticationHandler {
        static let namespace = "record"
        let store: any PluginStateStore
        let clock: VirtualClock

        func startAuthentication(_ request: BackchannelAuthenticationRequest) async throws -> BackchannelStartAuthenticationResult {
            let record = PluginStateRecord(
                namespace: Self.namespace, key: request.authReqId.rawValue, value: Data("pending".utf8), createdAt: clock.now, expiresAt: request.expiresAt)
            guard try await store.insert(record) else { throw BackchannelHandlerError.duplicateAuthReqId(request.authReqId) }
            return .started
        }

        func checkAuthenticationStatus(authReqId: AuthReqId) async throws -> BackchannelAuthenticationResult? {
            switch try await store.record(namespace: Self.namespace, key: authReqId.rawValue).map({ String(decoding: $0.value, as: UTF8.self) }) {
            case "approved": .approved(AuthenticationAttributes(subject: "alice", authTime: clock.now))
            case "denied": .denied(reason: "the user said no")
            default: nil
            }
        }

        func cancelAuthenticationRequest(authReqId: AuthReqId) async throws {
            try await store.delete(namespace: Self.namespace, key: authReqId.rawValue)
        }
    }

    /// One node: its store (with its pool and change feed running) and its engine.
    struct Node {
        let store: PostgresStore
        let engine: BackchannelEngine
        let run: Task<Void, Never>

        func start() async throws -> String {
            try await engine.authenticationRequest(
                OAuthParameters([("scope", "openid"), ("login_hint", "alice")]), authorization: PostgresPollCacheTests.authorization
            ).get().authReqId
        }

        func poll(_ authReqId: String) async -> Result<TokenResponse, OAuthError> {
            await engine.tokenRequest(
                OAuthParameters([("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", authReqId)]),
                authorization: PostgresPollCacheTests.authorization)
        }

        /// Writes the authenticator's answer into its record, as its front channel would on this node.
        func answer(_ authReqId: String, _ value: String) async throws {
            let key = BackchannelEngine.authReqIdHash(authReqId)
            let current = try #require(try await store.record(namespace: RecordHandler.namespace, key: key))
            #expect(try await store.replace(namespace: RecordHandler.namespace, key: key, expected: current.value, with: Data(value.utf8), group: nil))
        }

        /// Polls, and counts the round trips the poll made on this node: whether it was pending, and how many.
        func pendingPoll(_ authReqId: String) async -> (pending: Bool, roundTrips: Int) {
            let before = store.connectionLeases
            let pending = PostgresPollCacheTests.isPending(await poll(authReqId))
            return (pending, store.connectionLeases - before)
        }
    }

    static let authorization = "Basic " + Data("console:console-secret-0042".utf8).base64EncodedString()

    static func nodes(_ count: Int = 2) async throws -> (nodes: [Node], url: String) {
        let url = try await TemporaryPostgresServer.shared().makeDatabase()
        let clock = VirtualClock()
        var nodes: [Node] = []
        for _ in 0..<count {
            let store = try await PostgresStore.connect(
                url: url, connections: 4, clock: clock, connectTimeout: TemporaryPostgresServer.connectTimeout,
                operationDeadline: TemporaryPostgresServer.connectTimeout)
            let run = Task { await store.run() }
            let handler = RecordHandler(store: store, clock: clock)
            var policy = ServerPolicy()
            policy.enforcePollInterval = false
            let engine = try BackchannelEngine(
                EngineConfiguration(
                    issuer: "https://op.example.com", policy: policy,
                    clients: [ClientConfiguration(clientId: "console", clientSecret: "console-secret-0042")],
                    authenticators: [AuthenticatorRoute(instance: AuthenticatorInstance(name: "record", plugin: "record", handler: handler, interaction: nil))],
                    keys: try await SigningKeySet.load([], keyStore: store)),
                stores: EngineStores(requests: store, limits: store.limits, replay: store),
                environment: EngineEnvironment(clock: clock))
            await store.waitForPollFeed()
            nodes.append(Node(store: store, engine: engine, run: run))
        }
        return (nodes, url)
    }

    static func isPending(_ result: Result<TokenResponse, OAuthError>) -> Bool {
        if case .failure(.authorizationPending) = result { true } else { false }
    }

    @Test("a node answers the second poll of a pending request from memory: no round trip")
    func secondPollCostsNoRoundTrip() async throws {
        let (nodes, _) = try await Self.nodes()
        defer { nodes.forEach { $0.run.cancel() } }
        let (a, b) = (nodes[0], nodes[1])
        let authReqId = try await a.start()
        // A node's first poll reads the request once (the first on any node also marks it, in the same statement:
        // from then on every change to it is notified); every later poll on that node is answered from memory.
        #expect(await b.pendingPoll(authReqId) == (true, 1))
        #expect(await a.pendingPoll(authReqId) == (true, 1))
        #expect(await a.pendingPoll(authReqId) == (true, 0))
        for _ in 0..<3 {
            #expect(await b.pendingPoll(authReqId) == (true, 0))
        }
        #expect(b.store.pollsAnsweredFromMemory == 3)
        #expect(a.store.pollsAnsweredFromMemory == 1)
    }

    @Test("an approval written on one node reaches the other's next poll: tokens, once, and the first node's poll after it is refused")
    func approvalOnAnotherNode() async throws {
        let (nodes, _) = try await Self.nodes()
        defer { nodes.forEach { $0.run.cancel() } }
        let (a, b) = (nodes[0], nodes[1])
        let authReqId = try await a.start()
        #expect(Self.isPending(await b.poll(authReqId)))
        #expect(Self.isPending(await b.poll(authReqId)))  // from memory now
        // The user approves on node A: the authenticator's record changes there, and B is told at the commit.
        let seen = b.store.pollFeedNotifications
        try await a.answer(authReqId, "approved")
        await b.store.waitForPollFeed(notified: seen + 1)
        let tokens = try await b.poll(authReqId).get()
        #expect(!tokens.accessToken.isEmpty)
        guard case .failure(.invalidGrant) = await a.poll(authReqId) else { Issue.record("redeemed twice"); return }
        guard case .failure(.invalidGrant) = await b.poll(authReqId) else { Issue.record("redeemed twice"); return }
    }

    @Test("a denial reported through the other node's completion sink ends the polls on this one with access_denied")
    func conclusionThroughTheSink() async throws {
        let (nodes, _) = try await Self.nodes()
        defer { nodes.forEach { $0.run.cancel() } }
        let (a, b) = (nodes[0], nodes[1])
        let authReqId = try await a.start()
        #expect(Self.isPending(await b.poll(authReqId)))
        let seen = b.store.pollFeedNotifications
        await StoreCompletionSink(store: a.store).authenticationConcluded(
            authReqId: AuthReqId(rawValue: BackchannelEngine.authReqIdHash(authReqId)), result: .denied(reason: "no"))
        await b.store.waitForPollFeed(notified: seen + 1)
        guard case .failure(.accessDenied) = await b.poll(authReqId) else { Issue.record("not access_denied"); return }
    }

    @Test("polls racing on both nodes for approved requests redeem each exactly once")
    func exactlyOnceAcrossNodes() async throws {
        let (nodes, _) = try await Self.nodes()
        defer { nodes.forEach { $0.run.cancel() } }
        var ids: [String] = []
        for index in 0..<12 {
            let id = try await nodes[index % 2].start()
            ids.append(id)
        }
        for id in ids {
            for node in nodes {
                #expect(Self.isPending(await node.poll(id)))
                #expect(await node.pendingPoll(id) == (true, 0))
            }
        }
        for (index, id) in ids.enumerated() { try await nodes[index % 2].answer(id, "approved") }
        // Both nodes poll every request at once, four times each: one poll per request gets the tokens; every other
        // is pending (a node not yet told), or refused once the request is redeemed.
        let successes = await withTaskGroup(of: (String, Bool).self) { group in
            for id in ids {
                for node in nodes {
                    for _ in 0..<4 { group.addTask { (id, (try? await node.poll(id).get()) != nil) } }
                }
            }
            var count: [String: Int] = [:]
            for await (id, redeemed) in group where redeemed { count[id, default: 0] += 1 }
            return count
        }
        for id in ids {
            #expect(successes[id] ?? 0 <= 1, "redeemed more than once")
        }
        // Once both nodes have been told of every approval (the first twelve notifications, in commit order), each
        // request not yet redeemed is redeemed on the next poll.
        for node in nodes { await node.store.waitForPollFeed(notified: 12) }
        for id in ids where successes[id] == nil {
            #expect((try? await nodes[1].poll(id).get()) != nil)
        }
    }

    @Test("the change feed's connection killed mid-flow: nothing is answered from memory until it listens again, so an approval made meanwhile is seen; then memory is rebuilt")
    func feedKilledMidFlow() async throws {
        let (nodes, url) = try await Self.nodes()
        defer { nodes.forEach { $0.run.cancel() } }
        let (a, b) = (nodes[0], nodes[1])
        let first = try await a.start()
        let second = try await a.start()
        for id in [first, second] {
            #expect(Self.isPending(await b.poll(id)))
            #expect(await b.pendingPoll(id) == (true, 0))
        }
        // B's feed connection is killed (and kept from coming back while the test needs B deaf); the approval
        // of `first` is written while B cannot hear of it.
        b.store.holdChangeFeed()
        try await TemporaryPostgresServer.shared().execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'backchannel-change-feed'",
            inDatabaseOf: url)
        await b.store.waitForPollFeed(listening: false)
        try await a.answer(first, "approved")
        // B reads the database for every poll while deaf: the approval is there.
        #expect(await b.pendingPoll(second).roundTrips >= 1)
        #expect(await b.pendingPoll(second).roundTrips >= 1)
        #expect((try? await b.poll(first).get()) != nil)
        // Listening again, with nothing kept from before: the first poll reads, the next ones do not.
        b.store.releaseChangeFeed()
        await a.store.waitForPollFeed()
        await b.store.waitForPollFeed()
        #expect(await b.pendingPoll(second).roundTrips >= 1)
        #expect(await b.pendingPoll(second) == (true, 0))
        let seen = b.store.pollFeedNotifications
        try await a.answer(second, "denied")
        await b.store.waitForPollFeed(notified: seen + 1)
        guard case .failure(.accessDenied) = await b.poll(second) else { Issue.record("a stale answer after the feed came back"); return }
    }

    @Test("a change feed whose connection goes silent (its server process stopped: no error, no reset) is judged lost when a heartbeat does not come back: nothing is answered from memory meanwhile, and it listens again on a new connection")
    func silentFeedJudgedLost() async throws {
        let (nodes, _) = try await Self.nodes()
        defer { nodes.forEach { $0.run.cancel() } }
        let (a, b) = (nodes[0], nodes[1])
        let id = try await a.start()
        #expect(Self.isPending(await b.poll(id)))
        #expect(await b.pendingPoll(id) == (true, 0))
        let stopped = try await Self.feedBackends(of: b.store)
        #expect(stopped.count == 2)
        defer { for pid in stopped { kill(pid, SIGCONT) } }
        for pid in stopped { try #require(kill(pid, SIGSTOP) == 0, "cannot stop the server process \(pid): errno \(errno)") }
        await b.store.waitForPollFeed(listening: false)
        try await a.answer(id, "approved")
        #expect((try? await b.poll(id).get()) != nil)
        // Listening again on a new connection (the stopped processes still hold the old ones): answered from
        // memory again.
        await b.store.waitForPollFeed()
        let next = try await a.start()
        #expect(await b.pendingPoll(next).roundTrips >= 1)
        #expect(await b.pendingPoll(next) == (true, 0))
    }

    /// The server processes of the change feeds' connections to the nodes' database.
    static func feedBackends(of store: PostgresStore) async throws -> [pid_t] {
        try await store.withStartupConnection { connection in
            let rows = try await connection.query(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = \(PostgresChangeFeed.applicationName)",
                logger: Logger(label: "test"))
            var pids: [pid_t] = []
            for try await pid in rows.decode(Int32.self) { pids.append(pid) }
            return pids
        }
    }

    @Test("a request's first poll waits for a write of its authenticator's record in progress, and reads it: it never keeps what that write changes")
    func firstPollWaitsForARecordWrite() async throws {
        let (nodes, _) = try await Self.nodes()
        defer { nodes.forEach { $0.run.cancel() } }
        let (a, b) = (nodes[0], nodes[1])
        let authReqId = try await a.start()
        let key = BackchannelEngine.authReqIdHash(authReqId)
        // Node A's write of the approval, held open: its trigger holds the hash's lock (shared) until it commits.
        let poll = try await a.store.pool.withTransaction(logger: a.store.logger) { connection in
            try await connection.query(
                "UPDATE backchannel_plugin_state SET value = \(Data("approved".utf8)) WHERE namespace = \(RecordHandler.namespace) AND key = \(key)",
                logger: a.store.logger)
            // B's first poll (the one that marks the request) waits for the lock; the test waits until it does.
            let poll = Task { await b.poll(authReqId) }
            // Read until the poll is seen waiting; a poll that never waits fails here instead of hanging the run.
            var looks = 0
            while try await a.store.pool.query(
                "SELECT count(*)::BIGINT FROM pg_locks WHERE locktype = 'advisory' AND NOT granted", logger: a.store.logger
            ).first?.decode(Int.self) != 1 {
                looks += 1
                if looks == 100_000 { break }
            }
            #expect(looks < 100_000, "the first poll never waited for the record write's lock")
            // The write commits when this closure returns; the poll then reads it.
            return poll
        }
        guard case .success(let tokens) = await poll.value else { Issue.record("the first poll did not read the approval it waited for"); return }
        #expect(!tokens.accessToken.isEmpty)
    }
}
