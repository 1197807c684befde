import BackchannelCore
import BackchannelServer
import BackchannelTesting
import Foundation
import Logging
import SMSAuthenticator
import Testing

/// The SMS authenticator behind the real protocol engine: what the client sees at the token endpoint.
@Suite("SMS through the CIBA engine", .serialized, .timeLimit(.minutes(1)))
struct SMSThroughEngineTests {
    private static let authorization = "Basic " + Data("console:console-secret-0042".utf8).base64EncodedString()

    private func engine(_ gateway: TestGateway) async throws -> (BackchannelEngine, any FrontChannelInteraction, BackgroundWork) {
        let store = InMemoryPendingRequestStore()
        // The harness's services (its background work served), on the system clock, reporting to the engine's store.
        var services = BackchannelHandlerHarness(users: [DirectoryUser(subject: "alice", phoneNumber: "+15550101")]).services
        services.clock = SystemClock()
        services.completionSink = StoreCompletionSink(store: store)
        services.stateStore = InMemoryPluginStateStore(clock: SystemClock())
        services.frontChannelBaseURL = URL(string: "https://login.example.com/authn/sms/")!
        let background = services.background
        gateway.sends(from: background)
        var registry = PluginRegistry()
        try registry.register(SMSAuthenticator.descriptor)
        try registry.register(SMSAuthenticator.pageDescriptor)
        let instance = try registry.makeAuthenticator(
            plugin: "sms",
            configuration: .object([
                "provider": .string("webhook"), "url": .string(gateway.baseURL + "/webhook"), "from": .string("Backchannel"),
                "max_retries": .integer(2), "retry_delay_ms": .integer(10),
            ]),
            services: services)
        // The test polls in quick succession while delivery is retried; slow_down is not under test here.
        var policy = ServerPolicy()
        policy.enforcePollInterval = false
        let engine = try BackchannelEngine(
            EngineConfiguration(
                issuer: "https://login.example.com", policy: policy, clients: [ClientConfiguration(clientId: "console", clientSecret: "console-secret-0042")],
                authenticators: [AuthenticatorRoute(instance: instance)], keys: try await SigningKeySet.load([], keyStore: nil)),
            stores: EngineStores(requests: store, limits: InMemoryLimitStore(), replay: InMemoryPluginStateStore(clock: SystemClock())))
        return (engine, try #require(instance.interaction), background)
    }

    private func poll(_ engine: BackchannelEngine, _ id: String) async -> Result<TokenResponse, OAuthError> {
        await engine.tokenRequest(.init([("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", id)]), authorization: Self.authorization)
    }

    @Test("the code from the SMS, entered on the page, lets the client collect tokens")
    func approve() async throws {
        try await TestGateway.run { gateway in
            let (engine, page, _) = try await engine(gateway)
            let ack = try await engine.authenticationRequest(
                .init([("scope", "openid"), ("login_hint", "alice"), ("binding_message", "K7")]), authorization: Self.authorization
            ).get()
            #expect(await poll(engine, ack.authReqId).failure?.code == "authorization_pending")
            await gateway.waitFor(messages: 1)
            let text = try #require(gateway.received.first?.text)
            let code = String(try #require(text.firstMatch(of: #/Your code: (\d+)\./#)).1)
            let request = String(try #require(text.firstMatch(of: #/request=([A-Za-z0-9_-]+)/#)).1)
            let csrf = String(repeating: "cd", count: 16)
            let answer = await page.respond(to: FrontChannelRequest(
                method: .post, path: "", form: [("request", request), ("code", code), ("csrf", csrf)], cookies: ["sms_csrf": csrf]))
            #expect(answer.status == 200)
            let tokens = try await poll(engine, ack.authReqId).get()
            #expect(!(tokens.idToken ?? "").isEmpty)
        }
    }

    @Test("when the gateway keeps failing, the client's next poll says so instead of waiting for expiry")
    func deliveryFailure() async throws {
        try await TestGateway.run(failures: 100) { gateway in
            let (engine, _, background) = try await engine(gateway)
            let ack = try await engine.authenticationRequest(.init([("scope", "openid"), ("login_hint", "alice")]), authorization: Self.authorization).get()
            // The delivery ends by concluding the request as failed, after its retries; nothing is cancelled.
            #expect(await background.drain(deadline: .seconds(30)) == 0)
            let answer = await poll(engine, ack.authReqId)
            #expect(gateway.requestCount == 3)
            #expect(answer.failure == .accessDenied("the authentication could not be completed", atTokenEndpoint: true))
        }
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
