import BackchannelCore
import BackchannelServer
import BackchannelTesting
import EmailAuthenticator
import Foundation
import Logging
import Testing

/// The e-mail authenticator behind the real engine, delivering to a real SMTP server over STARTTLS.
@Suite("E-mail through the CIBA engine", .serialized, .timeLimit(.minutes(1)),
    .enabled(if: SMTPTestServer.isAvailable, "skipped: python3 with aiosmtpd is not installed; .ci/run installs it"))
struct EmailThroughEngineTests {
    private static let authorization = "Basic " + Data("console:console-secret-0042".utf8).base64EncodedString()

    struct Setup {
        var engine: BackchannelEngine
        var page: any FrontChannelInteraction
        var clock: VirtualClock
        var state: InMemoryPluginStateStore
        var background: BackgroundWork
    }

    private func setup(_ server: SMTPTestServer, requireCode: Bool = false) async throws -> Setup {
        try await Self.makeSetup(server, requireCode: requireCode)
    }

    static func makeSetup(_ server: SMTPTestServer, requireCode: Bool = false, retryWindowSeconds: Int = 60) async throws -> Setup {
        let clock = VirtualClock(start: Date())
        let store = InMemoryPendingRequestStore()
        let state = InMemoryPluginStateStore(clock: clock)
        // The harness's services (its background work served), reporting to the engine's store.
        var services = BackchannelHandlerHarness(
            users: [DirectoryUser(subject: "alice", email: "alice@example.com"), DirectoryUser(subject: "bob")], clock: clock
        ).services
        services.completionSink = StoreCompletionSink(store: store)
        services.stateStore = state
        services.frontChannelBaseURL = URL(string: "https://login.example.com/authn/email/")!
        let background = services.background
        var registry = PluginRegistry()
        try registry.register(EmailAuthenticator.descriptor)
        try registry.register(EmailAuthenticator.pageDescriptor)
        let instance = try registry.makeAuthenticator(
            plugin: "email",
            configuration: .object([
                "smtp": .object([
                    "host": .string("localhost"), "port": .integer(server.port), "security": .string("starttls"),
                    "username": .string("mailer"), "password": .string("s3cret"), "ca_file": .string(server.certificate.path),
                ]),
                "from": .string("login@example.com"), "from_name": .string("Example Login"), "require_code": .bool(requireCode),
                "retry_window_seconds": .integer(retryWindowSeconds),
            ]),
            services: services)
        var policy = ServerPolicy()
        policy.authorizationDetailsTypes = ["payment_initiation": .paymentInitiation]
        let engine = try BackchannelEngine(
            EngineConfiguration(
                issuer: "https://login.example.com", policy: policy,
                clients: [
                    ClientConfiguration(
                        clientId: "console", clientSecret: "console-secret-0042", clientName: "Support <Console>", authorizationDetailsTypes: ["payment_initiation"])
                ],
                authenticators: [AuthenticatorRoute(instance: instance)], keys: try await SigningKeySet.load([], keyStore: nil)),
            stores: EngineStores(requests: store, limits: InMemoryLimitStore(), replay: state), environment: EngineEnvironment(clock: clock))
        return Setup(engine: engine, page: try #require(instance.interaction), clock: clock, state: state, background: background)
    }

    private func start(_ setup: Setup, binding: String = "K7", expiry: Int = 120, extra: [(String, String)] = []) async throws -> String {
        try await setup.engine.authenticationRequest(
            .init([("scope", "openid"), ("login_hint", "alice"), ("binding_message", binding), ("requested_expiry", "\(expiry)")] + extra),
            authorization: Self.authorization
        ).get().authReqId
    }

    private func poll(_ setup: Setup, _ id: String) async -> Result<TokenResponse, OAuthError> {
        await setup.engine.tokenRequest(.init([("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", id)]), authorization: Self.authorization)
    }

    /// The plain and HTML parts of the `number`-th delivered mail.
    private func mailParts(_ server: SMTPTestServer, number: Int = 1) async throws -> (text: String, html: String) {
        await server.waitForMessages(number)
        let messages = server.messages()
        try #require(messages.count >= number)
        let raw = messages[number - 1]
        let parts = raw.components(separatedBy: "Content-Transfer-Encoding: base64\r\n\r\n").dropFirst().compactMap { part in
            Data(base64Encoded: part.components(separatedBy: "\r\n--").first?.replacingOccurrences(of: "\r\n", with: "") ?? "")
                .flatMap { String(data: $0, encoding: .utf8) }
        }
        try #require(parts.count == 2)
        return (parts[0], parts[1])
    }

    private func token(in text: String) throws -> String {
        String(try #require(text.firstMatch(of: #/\?token=([0-9a-f]{32})/#)).1)
    }

    private func submit(_ setup: Setup, token: String, decision: String, code: String? = nil) async -> FrontChannelResponse {
        let csrf = String(repeating: "ef", count: 16)
        var form: [(name: String, value: String)] = [("token", token), ("decision", decision), ("csrf", csrf)]
        if let code { form.append(("code", code)) }
        return await setup.page.respond(to: FrontChannelRequest(method: .post, path: "", form: form, cookies: ["email_csrf": csrf]))
    }

    @Test("with require_code, approving needs the mailed code; three wrong codes fail the request")
    func codeStep() async throws {
        let server = try await SMTPTestServer.start(mode: .starttls, auth: ("mailer", "s3cret"))
        defer { server.stop() }
        let setup = try await setup(server, requireCode: true)
        let id = try await start(setup)
        let text = try await mailParts(server).text
        let firstToken = try token(in: text)
        let code = String(try #require(text.firstMatch(of: #/ask for this code: (\d{6})/#)).1)
        let page = await setup.page.respond(to: FrontChannelRequest(method: .get, path: "", query: [("token", firstToken)]))
        #expect(page.body.contains("name=\"code\""))
        let wrong = code == "000000" ? "111111" : "000000"
        #expect(await submit(setup, token: firstToken, decision: "approve", code: wrong).status == 400)
        #expect(await submit(setup, token: firstToken, decision: "approve", code: code).status == 200)
        #expect(!((try await poll(setup, id).get().idToken) ?? "").isEmpty)

        let second = try await start(setup)
        let secondToken = try token(in: try await mailParts(server, number: 2).text)
        var statuses: [Int] = []
        for _ in 0..<3 { statuses.append(await submit(setup, token: secondToken, decision: "approve", code: "12").status) }
        #expect(statuses == [400, 400, 403])
        #expect(await poll(setup, second).failure?.code == "access_denied")
    }

    @Test("the mail's link, approved on the page, lets the client collect tokens; the link then no longer works")
    func approve() async throws {
        let server = try await SMTPTestServer.start(mode: .starttls, auth: ("mailer", "s3cret"))
        defer { server.stop() }
        let setup = try await setup(server)
        let id = try await start(setup)
        let (text, html) = try await mailParts(server)
        #expect(text.contains("Support <Console> asks you to sign in."))
        #expect(text.contains("Check that it shows: K7"))
        #expect(html.contains("Support &lt;Console&gt;"))
        let token = try token(in: text)
        let page = await setup.page.respond(to: FrontChannelRequest(method: .get, path: "", query: [("token", token)]))
        #expect(page.status == 200)
        #expect(page.body.contains("K7"))
        #expect(await submit(setup, token: token, decision: "approve").status == 200)
        #expect(!((try await poll(setup, id).get().idToken) ?? "").isEmpty)
        #expect(await submit(setup, token: token, decision: "approve").status == 410)
        #expect(await setup.page.respond(to: FrontChannelRequest(method: .get, path: "", query: [("token", token)])).status == 410)
    }

    @Test("the mail's text and HTML parts and the page show what is approved, every field, escaped, beside the binding message")
    func authorizationDetails() async throws {
        let server = try await SMTPTestServer.start(mode: .starttls, auth: ("mailer", "s3cret"))
        defer { server.stop() }
        let setup = try await setup(server)
        let payment = #"[{"type":"payment_initiation","instructedAmount":{"currency":"EUR","amount":"250.00"},"creditorName":"ACME <Ltd>","#
            + #""creditorAccount":{"iban":"DE02100100109307118603"}}]"#
        _ = try await start(setup, extra: [("authorization_details", payment)])
        let (text, html) = try await mailParts(server)
        #expect(text.contains("Support <Console> asks you to approve:"))
        #expect(text.contains("Transfer 250.00 EUR to ACME <Ltd> (DE02100100109307118603)"))
        #expect(text.contains("  creditorAccount.iban: DE02100100109307118603"))
        #expect(text.contains("Check that it shows: K7"))
        #expect(html.contains("Transfer 250.00 EUR to ACME &lt;Ltd&gt; (DE02100100109307118603)"))
        #expect(html.contains("<dt>instructedAmount.currency</dt><dd>EUR</dd>"))
        #expect(!html.contains("ACME <Ltd>"))
        let page = await setup.page.respond(to: FrontChannelRequest(method: .get, path: "", query: [("token", try token(in: text))]))
        #expect(page.body.contains("<dt>creditorName</dt><dd>ACME &lt;Ltd&gt;</dd>"))
        #expect(page.body.contains("K7"))
    }

    @Test("deny on the page: the client gets access_denied")
    func deny() async throws {
        let server = try await SMTPTestServer.start(mode: .starttls, auth: ("mailer", "s3cret"))
        defer { server.stop() }
        let setup = try await setup(server)
        let id = try await start(setup)
        let token = try token(in: try await mailParts(server).text)
        #expect(await submit(setup, token: token, decision: "deny").status == 200)
        #expect(await poll(setup, id).failure?.code == "access_denied")
    }

    @Test("a link past its request's expiry is refused")
    func expiredLink() async throws {
        let server = try await SMTPTestServer.start(mode: .starttls, auth: ("mailer", "s3cret"))
        defer { server.stop() }
        let setup = try await setup(server)
        let id = try await start(setup, expiry: 30)
        let token = try token(in: try await mailParts(server).text)
        await setup.clock.advance(by: 31)
        #expect(await submit(setup, token: token, decision: "approve").status == 410)
        #expect(await poll(setup, id).failure?.code == "expired_token")
    }

    @Test("a binding message with markup is escaped in the mail's HTML part and on the page")
    func escaping() async throws {
        let server = try await SMTPTestServer.start(mode: .starttls, auth: ("mailer", "s3cret"))
        defer { server.stop() }
        let setup = try await setup(server)
        _ = try await start(setup, binding: "<script>x</script>")
        let (text, html) = try await mailParts(server)
        #expect(!html.contains("<script>x</script>"))
        #expect(html.contains("&lt;script&gt;x&lt;/script&gt;"))
        let page = await setup.page.respond(to: FrontChannelRequest(method: .get, path: "", query: [("token", try token(in: text))]))
        #expect(!page.body.contains("<script>x</script>"))
        #expect(page.body.contains("&lt;script&gt;x&lt;/script&gt;"))
    }

    @Test("a user without an e-mail address is unknown_user_id")
    func noAddress() async throws {
        let server = try await SMTPTestServer.start(mode: .starttls, auth: ("mailer", "s3cret"))
        defer { server.stop() }
        let setup = try await setup(server)
        let result = await setup.engine.authenticationRequest(.init([("scope", "openid"), ("login_hint", "bob")]), authorization: Self.authorization)
        #expect(result.failure?.code == "unknown_user_id")
    }

    @Test("an unreachable SMTP server fails the request, which the client's poll reports")
    func deliveryFailure() async throws {
        let server = try await SMTPTestServer.start(mode: .starttls, auth: ("mailer", "s3cret"))
        // No retry window: the first refusal is final (EmailRetryTests covers the retries).
        let setup = try await Self.makeSetup(server, retryWindowSeconds: 0)
        server.stop()
        let id = try await start(setup)
        // The delivery ends by concluding the request as failed; nothing is cancelled.
        #expect(await setup.background.drain(deadline: .seconds(30)) == 0)
        await setup.clock.advance(by: 5)
        let answer = await poll(setup, id)
        #expect(answer.failure == .accessDenied("the authentication could not be completed", atTokenEndpoint: true))
    }

    @Test("the e-mail authenticator honours the handler contract")
    func contract() async throws {
        let server = try await SMTPTestServer.start(mode: .starttls, auth: ("mailer", "s3cret"))
        defer { server.stop() }
        let setup = try await setup(server)
        let harness = BackchannelHandlerHarness(users: [DirectoryUser(subject: "alice", email: "alice@example.com")], clock: setup.clock)
        let handler = try EmailAuthenticator(
            configuration: EmailConfiguration(
                smtp: SMTPConfiguration(host: "localhost", port: server.port, username: "mailer", password: "s3cret", caFile: server.certificate.path),
                from: "login@example.com"),
            services: harness.services)
        #expect(await BackchannelHandlerContract.violations(of: handler, harness: harness, hint: .loginHint("alice")).isEmpty)
        await server.waitForMessages(2)
    }

    @Test("the authenticator is ready while its relay greets, not ready (naming the relay) once the relay is gone, and probes at most every ten seconds")
    func readinessFollowsTheRelay() async throws {
        let server = try await SMTPTestServer.start(mode: .starttls)
        let harness = BackchannelHandlerHarness(users: [])
        let handler = try EmailAuthenticator(
            configuration: EmailConfiguration(smtp: SMTPConfiguration(host: "127.0.0.1", port: server.port), from: "login@example.com"),
            services: harness.services)
        #expect(await handler.readiness() == .ready)
        #expect(server.messages().isEmpty)  // probing sends nothing
        server.stop()
        #expect(await handler.readiness() == .ready)  // the last probe still stands
        await harness.clock.advance(by: 10)
        guard case .notReady(let reason) = await handler.readiness() else {
            Issue.record("a relay that refuses connections leaves the authenticator ready")
            return
        }
        #expect(reason.hasPrefix("the SMTP relay 127.0.0.1:\(server.port) does not answer: connection failed"))
    }

    @Test("the link token is neither stored nor in the mail's headers, and a mail without a code says nothing of one")
    func linkTokenKeptSecret() async throws {
        let server = try await SMTPTestServer.start(mode: .starttls, auth: ("mailer", "s3cret"))
        defer { server.stop() }
        let setup = try await setup(server)
        _ = try await start(setup)
        let (text, html) = try await mailParts(server)
        let token = try token(in: text)
        let raw = server.messages()[0]
        let headers = raw.components(separatedBy: "\r\n\r\n")[0]
        #expect(!headers.contains(String(token.prefix(8))))
        #expect(!raw.contains("boundary=\"=_backchannel_\(token.prefix(8))"))
        // The record is grouped by the token's hash, never by the token.
        #expect(try await setup.state.records(namespace: "email", group: token).isEmpty)
        #expect(try await setup.state.records(namespace: "email", group: LinkSecret.hash(of: token)).count == 1)
        #expect(!html.contains("will ask for this code"))
        #expect(!text.contains("will ask for this code"))
    }

    @Test("SMTP without transport security is refused for a host beyond loopback")
    func clearTextRelayRefused() throws {
        let remote: JSONValue = .object(["host": .string("mail.example.com"), "port": .integer(25), "security": .string("none")])
        #expect(throws: (any Error).self) { try remote.decode(as: SMTPConfiguration.self) }
        let local: JSONValue = .object(["host": .string("127.0.0.1"), "port": .integer(25), "security": .string("none")])
        #expect(try local.decode(as: SMTPConfiguration.self).security == .none)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
