import ArgumentParser
import BackchannelCore
import BackchannelOutbound
import BackchannelServer
import Crypto
import Foundation
import JWTKit
import Logging
import MockPushAuthenticator

/// What each piece of a request costs: hashing, random bytes, plugin-state JSON, token signing, and the
/// engine's own operations, each as nanoseconds per operation and as a multiple of one pending token
/// poll through the engine measured in the same run (these machines are noisy; ratios drift less).
@main
struct CostBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cost-benchmark",
        abstract: "Measure the cost of hashing, signing, plugin-state coding and engine operations.")

    @Option(help: "Seconds each measured round lasts.")
    var duration: Double = 0.3

    @Option(help: "Measured rounds per operation; the median counts.")
    var rounds: Int = 5

    @Option(help: "Where to write the JSON results.")
    var output: String?

    /// Shaped like the mock push authenticator's state record.
    struct PushRecord: Codable, Sendable {
        var subject = "carol"
        var clientName = "Call centre"
        var scope = "openid profile"
        var bindingMessage: String? = "BENCH"
        var receivedAt = Date(timeIntervalSince1970: 1_800_000_000.25)
        var expiresAt = Date(timeIntervalSince1970: 1_800_003_600.25)
        var action = "silent"
        var afterSeconds = 0.0
    }

    struct Claims: JWTPayload {
        var iss: IssuerClaim
        var sub: SubjectClaim
        var aud: AudienceClaim
        var exp: ExpirationClaim
        var iat: IssuedAtClaim
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    struct Measurement: Codable {
        var operation: String
        var nanoseconds: Double
        var timesPendingPoll: Double
    }

    func run() async throws {
        let fixture = try await Fixture.make()
        let authorization = fixture.authorization
        let carol = OAuthParameters([("scope", "openid"), ("login_hint", "carol")])
        let dave = OAuthParameters([("scope", "openid"), ("login_hint", "dave")])
        let pending = try await fixture.es256.authenticationRequest(carol, authorization: authorization).get().authReqId
        let poll = OAuthParameters([("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", pending)])

        let record = PushRecord()
        let encoded = try PluginStateCoding.encode(record)
        let es256 = JWTKeyCollection()
        await es256.add(ecdsa: ES256PrivateKey())
        let rs256 = JWTKeyCollection()
        await rs256.add(rsa: try Insecure.RSA.PrivateKey(backing: .init(keySize: .bits2048)), digestAlgorithm: .sha256)
        let claims = Claims(
            iss: "https://op.example.com", sub: "carol", aud: "bench", exp: .init(value: Date().addingTimeInterval(300)), iat: .init(value: Date()))
        let salt = SystemRandomSource().bytes(count: 16)
        let random = SystemRandomSource()

        var results: [(String, Double)] = []
        func time(_ name: String, _ operation: () async throws -> Void) async throws {
            var perOperation: [Double] = []
            for _ in 0..<max(1, rounds) {
                let clock = ContinuousClock()
                let start = clock.now
                var count = 0
                while (clock.now - start) < .milliseconds(Int(duration * 1000)) {
                    try await operation()
                    count += 1
                }
                let elapsed = clock.now - start
                perOperation.append(Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9 / Double(count))
            }
            perOperation.sort()
            results.append((name, perOperation[perOperation.count / 2]))
        }
        // Keep results alive so the optimizer cannot drop the work.
        var sink = 0

        try await time("token poll answering authorization_pending (engine, memory store)") {
            if case .failure(.authorizationPending) = await fixture.es256.tokenRequest(poll, authorization: authorization) { sink &+= 1 }
        }
        try await time("backchannel authentication request (engine, memory store, mock push)") {
            sink &+= try await fixture.es256.authenticationRequest(carol, authorization: authorization).get().expiresIn
        }
        try await time("whole flow with ES256 tokens: start, approved at once, redeeming poll") {
            let id = try await fixture.es256.authenticationRequest(dave, authorization: authorization).get().authReqId
            let tokens = try await fixture.es256.tokenRequest(OAuthParameters([("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", id)]), authorization: authorization).get()
            sink &+= tokens.idToken?.count ?? 0
        }
        try await time("whole flow with RS256 tokens: start, approved at once, redeeming poll") {
            let id = try await fixture.rs256.authenticationRequest(dave, authorization: authorization).get().authReqId
            let tokens = try await fixture.rs256.tokenRequest(OAuthParameters([("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", id)]), authorization: authorization).get()
            sink &+= tokens.idToken?.count ?? 0
        }
        try await time("ES256 signature of a small JWT (jwt-kit)") { sink &+= try await es256.sign(claims).count }
        try await time("RS256 signature of a small JWT (jwt-kit, 2048-bit key)") { sink &+= try await rs256.sign(claims).count }
        try await time("SHA-256 of an auth_req_id, base64url") {
            sink &+= Data(SHA256.hash(data: Data(pending.utf8))).base64EncodedString().count
        }
        try await time("salted SHA-256 of a client secret") {
            var hasher = SHA256()
            hasher.update(data: salt)
            hasher.update(data: Array("bench-secret-0042".utf8))
            sink &+= Array(hasher.finalize()).count
        }
        try await time("32 random bytes from the operating system") { sink &+= random.bytes(count: 32).count }
        try await time("plugin state JSON encode (mock-push-shaped record)") { sink &+= try PluginStateCoding.encode(record).count }
        try await time("plugin state JSON decode (mock-push-shaped record)") {
            sink &+= try PluginStateCoding.decode(PushRecord.self, from: encoded).scope.count
        }

        let pollCost = results[0].1
        let measurements = results.map { Measurement(operation: $0.0, nanoseconds: $0.1.rounded(), timesPendingPoll: $0.1 / pollCost) }
        print("| operation | ns per operation | × a pending poll |")
        print("| --- | ---: | ---: |")
        for measurement in measurements {
            print("| \(measurement.operation) | \(Int(measurement.nanoseconds)) | \(String(format: "%.2f", measurement.timesPendingPoll)) |")
        }
        if sink == 42 { print("") }  // Never true in practice; reads the sink.
        if let output {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(measurements).write(to: URL(fileURLWithPath: output))
        }
    }
}

/// Two engines (ES256 and RS256 tokens) on memory stores, with the mock push authenticator: carol never
/// answers, dave approves at once.
struct Fixture {
    let es256: BackchannelEngine
    let rs256: BackchannelEngine
    let authorization = "Basic " + Data("bench:bench-secret-0042".utf8).base64EncodedString()

    static func make() async throws -> Fixture {
        let rsaPem = try Insecure.RSA.PrivateKey(backing: .init(keySize: .bits2048)).pemRepresentation
        return Fixture(
            es256: try await engine(keys: try await SigningKeySet.load([], keyStore: nil)),
            rs256: try await engine(keys: try await SigningKeySet.load([SigningKeyConfiguration(kid: "rsa", algorithm: .rs256, privateKeyPem: rsaPem)], keyStore: nil)))
    }

    private static func engine(keys: SigningKeySet) async throws -> BackchannelEngine {
        let clock = SystemClock()
        let store = InMemoryPendingRequestStore()
        let services = BackchannelHostServices(
            userDirectory: StaticUserDirectory([DirectoryUser(subject: "carol"), DirectoryUser(subject: "dave")]), clock: clock,
            logger: Logger(label: "cost-benchmark"), completionSink: StoreCompletionSink(store: store),
            stateStore: InMemoryPluginStateStore(clock: clock), frontChannelBaseURL: URL(string: "https://op.example.com/authn/mock-push/")!,
            background: BackgroundWork(), http: HostHTTPClients.processWide.client, deliveries: DiscardingDeliveryRecorder())
        let push = MockPushAuthenticator(
            configuration: MockPushConfiguration(users: ["carol": MockPushScript(action: .silent), "dave": MockPushScript(action: .approve)]),
            services: services)
        var policy = ServerPolicy()
        // One user receives every request: the limits stay on (their work is measured) with bounds never reached.
        policy.limits = .neverReached
        policy.enforcePollInterval = false
        return try BackchannelEngine(
            EngineConfiguration(
                issuer: "https://op.example.com", policy: policy,
                clients: [ClientConfiguration(clientId: "bench", clientSecret: "bench-secret-0042")],
                authenticators: [AuthenticatorRoute(instance: AuthenticatorInstance(name: "mock-push", plugin: "mock-push", handler: push, interaction: nil))],
                keys: keys),
            stores: EngineStores(requests: store, limits: InMemoryLimitStore(), replay: InMemoryPluginStateStore(clock: clock)),
            environment: EngineEnvironment(clock: clock, logger: { var logger = Logger(label: "bench"); logger.logLevel = .warning; return logger }()))
    }
}
