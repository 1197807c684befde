import BackchannelCore
import BackchannelServer
import BackchannelTesting
import Foundation
import Logging
import JWTKit
import MockPushAuthenticator
import Synchronization

/// Wraps a handler to count the cancellations the engine sends it.
final class CountingHandler: BackchannelAuthenticationHandler, BatchCancelling {
    let inner: any BackchannelAuthenticationHandler
    private let cancels = Mutex<[AuthReqId: Int]>([:])
    private let batches = Mutex<[Int]>([])
    private let started = Mutex<[BackchannelAuthenticationRequest]>([])
    /// The requests the engine started, in order.
    var startedRequests: [BackchannelAuthenticationRequest] { started.withLock { $0 } }
    /// The sizes of the batch cancellations, in order.
    var batchSizes: [Int] { batches.withLock { $0 } }

    /// When set, answers status checks in place of the wrapped handler (a test's race or outage).
    let statusOverride = Mutex<(@Sendable (AuthReqId) async throws -> BackchannelAuthenticationResult?)?>(nil)

    init(_ inner: any BackchannelAuthenticationHandler) { self.inner = inner }

    func cancellations(_ id: AuthReqId) -> Int { cancels.withLock { $0[id] ?? 0 } }
    var totalCancellations: Int { cancels.withLock { $0.values.reduce(0, +) } }

    func startAuthentication(_ request: BackchannelAuthenticationRequest) async throws -> BackchannelStartAuthenticationResult {
        started.withLock { $0.append(request) }
        return try await inner.startAuthentication(request)
    }
    func checkAuthenticationStatus(authReqId: AuthReqId) async throws -> BackchannelAuthenticationResult? {
        if let override = statusOverride.withLock({ $0 }) { return try await override(authReqId) }
        return try await inner.checkAuthenticationStatus(authReqId: authReqId)
    }
    func cancelAuthenticationRequest(authReqId: AuthReqId) async throws {
        cancels.withLock { $0[authReqId, default: 0] += 1 }
        try await inner.cancelAuthenticationRequest(authReqId: authReqId)
    }
    func cancelAuthenticationRequests(_ authReqIds: [AuthReqId]) async throws {
        batches.withLock { $0.append(authReqIds.count) }
        cancels.withLock { cancels in for id in authReqIds { cancels[id, default: 0] += 1 } }
        try await inner.cancelAll(authReqIds)
    }
}

/// An engine on a virtual clock with the demo's mock push users and two clients.
struct EngineFixture {
    static let issuer = "https://op.example.com"
    let clock: VirtualClock
    let store: InMemoryPendingRequestStore
    let push: MockPushAuthenticator
    let handler: CountingHandler
    let engine: BackchannelEngine
    /// The conclusions the authenticator reported, once the store has them, by the request's hash.
    let reported: EventCounter<String>

    /// alice's user code, and its hash as the directory keeps it (made once: the hash is slow on purpose).
    static let aliceUserCode = "1234"
    static let aliceUserCodeHash = try! UserCodeHash.make(code: aliceUserCode).stored

    static let clients = [
        ClientConfiguration(clientId: "console", clientSecret: "console-secret-0042", clientName: "Console"),
        ClientConfiguration(clientId: "kiosk", clientSecret: "kiosk secret/+0042", tokenEndpointAuthMethods: [.clientSecretBasic]),
        ClientConfiguration(clientId: "teller", clientSecret: "teller-secret-0042", backchannelUserCodeParameter: true),
        ClientConfiguration(clientId: "batch", clientSecret: "batch-secret-0042", grantTypes: ["client_credentials"]),
    ]

    static func make(
        policy: ServerPolicy = ServerPolicy(),
        clients: [ClientConfiguration] = EngineFixture.clients,
        keys: SigningKeySet? = nil,
        issuer: String = EngineFixture.issuer,
        limitStore: any LimitStore = InMemoryLimitStore(),
        replayStore: (any PluginStateStore)? = nil,
        clientCertificateAuthorities: [[UInt8]] = [],
        keyFetcher: (any ClientKeyFetcher)? = nil,
        outboxSeal: OutboxSeal = .none,
        userDirectory: (any UserDirectory)? = nil,
        logger: Logger = Logger(label: "test")
    ) async throws -> EngineFixture {
        let clock = VirtualClock()
        let store = InMemoryPendingRequestStore(expiredRequestRetention: TimeInterval(policy.expiredRequestRetention))
        let reported = EventCounter<String>()
        // The harness's services, reporting to the engine's store.
        var services = BackchannelHandlerHarness(
            users: [
                DirectoryUser(
                    subject: "alice", loginHints: ["alice@example.com"], phoneNumber: "+15550101", email: "alice@example.com",
                    attributes: ["name": .string("Alice Liddell"), "email_verified": .bool(true)], userCodeHash: aliceUserCodeHash), DirectoryUser(subject: "bob"),
                DirectoryUser(subject: "carol"), DirectoryUser(subject: "dave"),
            ], clock: clock
        ).services
        if let userDirectory { services.userDirectory = userDirectory }
        services.completionSink = ObservedCompletionSink(inner: StoreCompletionSink(store: store), reported: reported)
        services.frontChannelBaseURL = URL(string: "\(issuer)/authn/mock-push/")!
        let push = MockPushAuthenticator(
            configuration: MockPushConfiguration(users: [
                "alice": MockPushScript(action: .approve, afterSeconds: 2),
                "bob": MockPushScript(action: .deny, afterSeconds: 2),
                "carol": MockPushScript(action: .silent),
                "dave": MockPushScript(action: .fail, afterSeconds: 1),
            ]),
            services: services)
        let handler = CountingHandler(push)
        let signingKeys: SigningKeySet
        if let keys { signingKeys = keys } else { signingKeys = try await Self.freshKeys() }
        let engine = try BackchannelEngine(
            EngineConfiguration(
                issuer: issuer, policy: policy, clients: clients,
                authenticators: [
                    AuthenticatorRoute(
                        instance: AuthenticatorInstance(name: "mock-push", plugin: "mock-push", handler: handler, interaction: nil), acr: "urn:example:push")
                ],
                keys: signingKeys, userDirectory: services.userDirectory, clientCertificateAuthorities: clientCertificateAuthorities),
            stores: EngineStores(requests: store, limits: limitStore, replay: replayStore ?? InMemoryPluginStateStore(clock: clock)),
            environment: EngineEnvironment(clock: clock, keyFetcher: keyFetcher, logger: logger, outboxSeal: outboxSeal))
        return EngineFixture(clock: clock, store: store, push: push, handler: handler, engine: engine, reported: reported)
    }

    /// An RS256 key for the fixtures of this test process: generating one costs a tenth of a second in a
    /// debug build, and few tests care whose RSA key it is (those pass keys of their own).
    static let sharedRSAKeyPem = try! Insecure.RSA.PrivateKey(backing: .init(keySize: .bits2048)).pemRepresentation

    /// The keys a server generates on first start, ES256 fresh for each fixture (it signs the access
    /// tokens), RS256 shared.
    static func freshKeys() async throws -> SigningKeySet {
        try await SigningKeySet.load(
            [SigningKeyConfiguration(privateKeyPem: ES256PrivateKey().pemRepresentation), SigningKeyConfiguration(algorithm: .rs256, privateKeyPem: sharedRSAKeyPem)],
            keyStore: nil)
    }

    static func basic(_ id: String, _ secret: String) -> String {
        func encode(_ value: String) -> String {
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            return value.addingPercentEncoding(withAllowedCharacters: allowed)!
        }
        return "Basic " + Data("\(encode(id)):\(encode(secret))".utf8).base64EncodedString()
    }

    /// Starts a request as `console`, adding `extra` parameters.
    func start(_ parameters: [(String, String)], client: (String, String) = ("console", "console-secret-0042")) async -> Result<AuthenticationAcknowledgement, OAuthError> {
        await engine.authenticationRequest(
            OAuthParameters(parameters.map { (name: $0.0, value: $0.1) }), authorization: Self.basic(client.0, client.1))
    }

    func startOK(_ parameters: [(String, String)] = [("scope", "openid"), ("login_hint", "alice")]) async throws -> AuthenticationAcknowledgement {
        try await start(parameters).get()
    }

    func poll(_ authReqId: String, client: (String, String) = ("console", "console-secret-0042")) async -> Result<TokenResponse, OAuthError> {
        await engine.tokenRequest(
            OAuthParameters([("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", authReqId)]),
            authorization: Self.basic(client.0, client.1))
    }

    /// Waits until the authenticator has reported the request's conclusion and the store holds it (the report
    /// is counted after the store took it); throws if the store then still shows it pending.
    func waitUntilConcluded(_ authReqId: String) async throws {
        let hash = BackchannelEngine.authReqIdHash(authReqId)
        await reported.wait(for: hash)
        guard let request = try await store.request(authReqIdHash: hash), request.state != .pending else { throw NotConcluded() }
    }

    /// The request was reported concluded, yet the store still shows it pending.
    struct NotConcluded: Error, CustomStringConvertible {
        var description: String { "the authenticator reported a conclusion the store does not hold" }
    }

    func verifier() async throws -> JWTKeyCollection {
        let jwks = try JSONDecoder().decode(JWKS.self, from: engine.keys.jwksDocument)
        return try await JWTKeyCollection().add(jwks: jwks)
    }
}

/// Passes each reported conclusion on to the store, then counts it, so a test can wait for the event.
struct ObservedCompletionSink: BackchannelCompletionSink {
    let inner: StoreCompletionSink
    let reported: EventCounter<String>

    func authenticationConcluded(authReqId: AuthReqId, result: BackchannelAuthenticationResult) async {
        await inner.authenticationConcluded(authReqId: authReqId, result: result)
        reported.record(authReqId.rawValue)
    }
}
