import ArgumentParser
import BackchannelCore
import BackchannelOutbound
import BackchannelPostgres
import BackchannelSQLite
import BackchannelServer
import BackchannelTesting
import Foundation
import Logging
import MockPushAuthenticator
import Synchronization

/// Token-poll throughput with few and with many pending requests, for every store, measured in one run
/// and reported as ratios: the memory store is the baseline, and 100 000 pending against 1 000 pending
/// shows whether a poll's cost grows with the number of requests waiting.
///
/// The polls go through the whole engine (client authentication, the store's atomic poll bookkeeping,
/// the mock push authenticator's status check in the plugin state store) and all answer
/// `authorization_pending`: a clock that advances 10 s on every reading keeps every poll past the interval.
@main
struct PollBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "poll-benchmark",
        abstract: "Measure token-poll throughput per store with 1 000 and 100 000 pending requests.")

    @Option(help: "Seconds each measured round lasts.")
    var duration: Double = 2

    @Option(help: "Concurrent pollers.")
    var concurrency: Int = 8

    @Option(help: "Pending-request counts to measure, comma-separated.")
    var pending: String = "1000,100000"

    @Option(help: "Stores to measure, comma-separated: memory, sqlite, postgres.")
    var stores: String = "memory,sqlite,postgres"

    @Option(help: "Measured rounds per case; the cases of one store alternate and the median counts.")
    var rounds: Int = 5

    @Option(help: "Where to write the JSON results.")
    var output: String?

    func run() async throws {
        let counts = pending.split(separator: ",").compactMap { Int($0) }
        var kinds = stores.split(separator: ",").map(String.init)
        if kinds.contains("postgres"), TemporaryPostgresServer.binaryDirectory == nil {
            print("postgres: skipped, PostgreSQL is not installed")
            kinds.removeAll { $0 == "postgres" }
        }
        var results: [Result] = []
        for kind in kinds {
            // Both sizes exist side by side and are measured in alternation, so drift on this shared
            // machine hits them alike; each reports its median round.
            var prepared: [Prepared] = []
            for count in counts { prepared.append(try await prepare(kind: kind, pending: count)) }
            defer { prepared.forEach { $0.close() } }
            var rates: [[Result]] = Array(repeating: [], count: counts.count)
            for _ in 0..<max(1, rounds) {
                for (index, case_) in prepared.enumerated() { rates[index].append(await measure(case_)) }
            }
            for (index, count) in counts.enumerated() {
                let result = rates[index].sorted { $0.pollsPerSecond < $1.pollsPerSecond }[rates[index].count / 2]
                print(String(format: "%-8@ %7d pending: %9.0f polls/s (median of %d rounds, %d unexpected answers)", kind, count, result.pollsPerSecond, rates[index].count, result.unexpected))
                results.append(result)
            }
        }
        let report = Report(results: results, counts: counts)
        print(report.markdown)
        if let output {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(report.json).write(to: URL(fileURLWithPath: output))
        }
    }

    struct Result: Codable {
        var store: String
        var pending: Int
        var polls: Int
        var unexpected: Int
        var seconds: Double
        var pollsPerSecond: Double { Double(polls) / seconds }
    }

    struct Prepared {
        var kind: String
        var pending: Int
        var engine: BackchannelEngine
        var parameters: [OAuthParameters]
        var authorization: String
        var close: @Sendable () -> Void
    }

    private func measure(_ prepared: Prepared) async -> Result {
        let started = Date()
        let (polls, unexpected) = await poll(prepared.engine, prepared.parameters, authorization: prepared.authorization, for: duration)
        return Result(store: prepared.kind, pending: prepared.pending, polls: polls, unexpected: unexpected, seconds: Date().timeIntervalSince(started))
    }

    private func prepare(kind: String, pending count: Int) async throws -> Prepared {
        let clock = TickingClock()
        let (store, pluginState, close) = try await Self.openStore(kind, clock: clock)
        var policy = ServerPolicy()
        // One user receives every request: the limits stay on (their work is measured) with bounds never reached.
        policy.limits = .neverReached
        policy.maxExpiry = 1_000_000_000
        policy.defaultExpiry = 1_000_000_000
        let services = BackchannelHostServices(
            userDirectory: StaticUserDirectory([DirectoryUser(subject: "carol")]), clock: clock,
            logger: Logger(label: "poll-benchmark"), completionSink: StoreCompletionSink(store: store), stateStore: pluginState,
            frontChannelBaseURL: URL(string: "https://op.example.com/authn/mock-push/")!, background: BackgroundWork(),
            http: HostHTTPClients.processWide.client, deliveries: DiscardingDeliveryRecorder())
        let push = MockPushAuthenticator(configuration: MockPushConfiguration(users: ["carol": MockPushScript(action: .silent)]), services: services)
        let engine = try BackchannelEngine(
            EngineConfiguration(
                issuer: "https://op.example.com", policy: policy,
                clients: [ClientConfiguration(clientId: "bench", clientSecret: "bench-secret-0042")],
                authenticators: [AuthenticatorRoute(instance: AuthenticatorInstance(name: "mock-push", plugin: "mock-push", handler: push, interaction: nil))],
                keys: try await SigningKeySet.load([], keyStore: nil)),
            stores: EngineStores(requests: store, limits: InMemoryLimitStore(), replay: pluginState),
            environment: EngineEnvironment(clock: clock, logger: { var logger = Logger(label: "bench"); logger.logLevel = .warning; return logger }()))
        let authorization = "Basic " + Data("bench:bench-secret-0042".utf8).base64EncodedString()

        // The polled requests go through the real authentication endpoint.
        let hot = min(1000, count)
        var ids: [String] = []
        for _ in 0..<hot {
            let ack = try await engine.authenticationRequest(.init([("scope", "openid"), ("login_hint", "carol")]), authorization: authorization).get()
            ids.append(ack.authReqId)
        }
        // The rest wait alongside them: rows in both tables, as the mock would leave them.
        var remaining = count - hot
        while remaining > 0 {
            let batch = min(remaining, 10_000)
            let now = clock.now
            let requests = (0..<batch).map { _ in
                PendingRequest(
                    authReqIdHash: UUID().uuidString, clientId: "bench", authenticator: "mock-push", scopes: ["openid"], acr: "mock-push",
                    createdAt: now, expiresAt: now.addingTimeInterval(1_000_000_000), interval: 5)
            }
            try await store.insert(contentsOf: requests)
            let records = requests.map {
                PluginStateRecord(
                    namespace: "mock-push", key: $0.authReqIdHash, group: "pending:filler", value: Data(repeating: 0x7B, count: 300),
                    createdAt: now, expiresAt: $0.expiresAt)
            }
            // The SQLite store loads a batch in one transaction; the others one record at a time.
            if let sqlite = pluginState as? SQLiteStore {
                _ = try await sqlite.insert(contentsOf: records)
            } else {
                for record in records { _ = try await pluginState.insert(record) }
            }
            remaining -= batch
        }

        let parameters = ids.map { OAuthParameters([("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", $0)]) }
        _ = await poll(engine, parameters, authorization: authorization, for: min(0.5, duration))  // warm-up
        return Prepared(kind: kind, pending: count, engine: engine, parameters: parameters, authorization: authorization, close: close)
    }

    private func poll(_ engine: BackchannelEngine, _ parameters: [OAuthParameters], authorization: String, for seconds: Double) async -> (Int, Int) {
        let deadline = Date().addingTimeInterval(seconds)
        return await withTaskGroup(of: (Int, Int).self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var polls = 0
                    var unexpected = 0
                    var index = worker
                    while Date() < deadline {
                        let answer = await engine.tokenRequest(parameters[index % parameters.count], authorization: authorization)
                        if case .failure(.authorizationPending) = answer { polls += 1 } else { unexpected += 1 }
                        index += concurrency
                    }
                    return (polls, unexpected)
                }
            }
            return await group.reduce((0, 0)) { ($0.0 + $1.0, $0.1 + $1.1) }
        }
    }

    private static func openStore(_ kind: String, clock: any BackchannelClock) async throws
        -> (any PendingRequestStore, any PluginStateStore, @Sendable () -> Void)
    {
        switch kind {
        case "sqlite":
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("poll-benchmark-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let store = try SQLiteStore(path: directory.appendingPathComponent("bench.sqlite").path, clock: clock)
            return (store, store, { try? FileManager.default.removeItem(at: directory) })
        case "postgres":
            let store = try await PostgresStore.connect(url: try await TemporaryPostgresServer.shared().makeDatabase(), clock: clock)
            let pool = Task { await store.run() }
            return (store, store, { pool.cancel() })
        default:
            return (InMemoryPendingRequestStore(), InMemoryPluginStateStore(clock: clock), {})
        }
    }
}

/// A clock that moves 10 s forward at every reading, so no poll is ever sooner than the interval.
final class TickingClock: BackchannelClock {
    private let ticks = Atomic<Int64>(0)
    private let start = Date()

    var now: Date { start.addingTimeInterval(Double(ticks.add(1, ordering: .relaxed).newValue) * 10) }

    func sleep(until deadline: Date) async throws {
        try await Task.sleep(for: .milliseconds(1))
    }
}
