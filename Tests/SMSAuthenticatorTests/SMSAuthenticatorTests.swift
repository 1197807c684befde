import BackchannelCore
import BackchannelTesting
import Foundation
import Logging
@testable import SMSAuthenticator
import Testing

@Suite("SMS authenticator against a real HTTP gateway", .serialized, .timeLimit(.minutes(1)))
struct SMSAuthenticatorTests {
    private static let users = [
        DirectoryUser(subject: "alice", loginHints: ["alice@example.com"], phoneNumber: "+15550101"),
        DirectoryUser(subject: "bob"),
    ]

    /// A harness with the SMS pair made by the registry, pointed at the gateway.
    private func make(_ gateway: TestGateway, provider: SMSConfiguration.Provider = .webhook, retries: Int = 2, extra: [String: JSONValue] = [:])
        throws -> (BackchannelHandlerHarness, SMSAuthenticator, any FrontChannelInteraction)
    {
        // The real clock: delivery runs in real time against a real server.
        let harness = BackchannelHandlerHarness(users: Self.users)
        var services = harness.services
        services.clock = SystemClock()
        services.stateStore = InMemoryPluginStateStore(clock: SystemClock())
        services.frontChannelBaseURL = URL(string: "https://login.example.com/authn/sms/")!
        var registry = PluginRegistry()
        try registry.register(SMSAuthenticator.descriptor)
        try registry.register(SMSAuthenticator.pageDescriptor)
        let configuration: JSONValue = .object([
            "provider": .string(provider.rawValue),
            "url": .string(provider == .webhook ? gateway.baseURL + "/webhook" : gateway.baseURL),
            "account_sid": .string("AC123"), "auth_token": .string("token-1"),
            "from": .string("Backchannel"), "max_retries": .integer(retries), "retry_delay_ms": .integer(10),
        ].merging(extra) { $1 })
        let instance = try registry.makeAuthenticator(plugin: "sms", configuration: configuration, services: services)
        gateway.sends(from: services.background)
        return (harness, try #require(instance.handler as? SMSAuthenticator), try #require(instance.interaction))
    }

    private func request(_ harness: BackchannelHandlerHarness, binding: String = "K7") -> BackchannelAuthenticationRequest {
        var request = harness.makeRequest(hint: .loginHint("alice@example.com"), bindingMessage: binding)
        request.expiresAt = Date().addingTimeInterval(120)
        return request
    }

    private func code(in message: TestGateway.Message) throws -> String {
        String(try #require(message.text.firstMatch(of: #/Your code: (\d{6,8})\./#)).1)
    }

    /// The page link's token: only the SMS carries it.
    private func linkToken(in message: TestGateway.Message) throws -> String {
        String(try #require(message.text.firstMatch(of: #/\?request=([0-9a-f]{32})$/#)).1)
    }

    private func csrfCookie(_ page: FrontChannelResponse) throws -> String {
        try #require(page.headers["Set-Cookie"]?.split(separator: ";").first?.split(separator: "=").last.map(String.init))
    }

    private func submit(_ page: any FrontChannelInteraction, token: String, code: String, csrf: String) async -> FrontChannelResponse {
        await page.respond(to: FrontChannelRequest(
            method: .post, path: "", form: [("request", token), ("code", code), ("csrf", csrf)], cookies: ["sms_csrf": csrf]))
    }

    @Test("a webhook over plain http is refused beyond loopback; https anywhere, http to loopback are accepted", arguments: [
        ("http://sms.example.com/send", false), ("http://10.0.0.5/send", false), ("ftp://127.0.0.1/send", false),
        ("https://sms.example.com/send", true), ("http://127.0.0.1:8080/send", true), ("http://[::1]:8080/send", true),
    ])
    func webhookTransport(_ url: String, _ accepted: Bool) throws {
        let configuration: JSONValue = .object(["provider": .string("webhook"), "url": .string(url), "from": .string("Bank")])
        if accepted {
            #expect(try configuration.decode(as: SMSConfiguration.self).url == url)
        } else {
            #expect(throws: (any Error).self) { try configuration.decode(as: SMSConfiguration.self) }
        }
    }

    @Test("the message carries the binding message, the code and the page link; the right code approves")
    func codeApproves() async throws {
        try await TestGateway.run { gateway in
            let (harness, sms, page) = try make(gateway)
            let request = request(harness)
            #expect(try await harness.start(sms, request) == .started)
            await gateway.waitFor(messages: 1)
            let message = try #require(gateway.received.first)
            #expect(message.to == "+15550101")
            #expect(message.text.contains("Check it shows: K7."))
            let token = try linkToken(in: message)
            #expect(message.text.contains("https://login.example.com/authn/sms/?request=\(token)"))
            let shown = await page.respond(to: FrontChannelRequest(method: .get, path: "", query: [("request", token)]))
            #expect(shown.status == 200)
            let approved = await submit(page, token: token, code: try code(in: message), csrf: try csrfCookie(shown))
            #expect(approved.status == 200)
            guard case .approved(let attributes) = try await sms.checkAuthenticationStatus(authReqId: request.authReqId) else {
                Issue.record("expected approval")
                return
            }
            #expect(attributes.subject == "alice")
            #expect(attributes.amr == ["sms", "otp"])
            #expect(harness.completionSink.results(for: request.authReqId).count == 1)
        }
    }

    @Test("three wrong codes fail the request")
    func wrongCodes() async throws {
        try await TestGateway.run { gateway in
            let (harness, sms, page) = try make(gateway)
            let request = request(harness)
            _ = try await harness.start(sms, request)
            await gateway.waitFor(messages: 1)
            let right = try code(in: try #require(gateway.received.first))
            let token = try linkToken(in: try #require(gateway.received.first))
            let wrong = right == "000000" ? "111111" : "000000"
            let csrf = String(repeating: "ab", count: 16)
            var statuses: [Int] = []
            for _ in 0..<3 { statuses.append(await submit(page, token: token, code: wrong, csrf: csrf).status) }
            #expect(statuses == [400, 400, 403])
            #expect(try await sms.checkAuthenticationStatus(authReqId: request.authReqId) == .failed(reason: "too many wrong codes"))
            #expect(await submit(page, token: token, code: right, csrf: csrf).status == 404)
        }
    }

    @Test("a form without the CSRF cookie's token is refused")
    func csrf() async throws {
        try await TestGateway.run { gateway in
            let (harness, sms, page) = try make(gateway)
            let request = request(harness)
            _ = try await harness.start(sms, request)
            await gateway.waitFor(messages: 1)
            let answer = await page.respond(to: FrontChannelRequest(
                method: .post, path: "", form: [("request", try linkToken(in: gateway.received[0])), ("code", try code(in: gateway.received[0])), ("csrf", "x")],
                cookies: ["sms_csrf": String(repeating: "ab", count: 16)]))
            #expect(answer.status == 403)
            #expect(try await sms.checkAuthenticationStatus(authReqId: request.authReqId) == nil)
        }
    }

    @Test("a gateway answering 500 is retried, then the failure concludes the request")
    func retriesThenFails() async throws {
        try await TestGateway.run(failures: 100) { gateway in
            let (harness, sms, _) = try make(gateway, retries: 2)
            let request = request(harness)
            #expect(try await harness.start(sms, request) == .started)
            await harness.completionSink.waitForReports(1)
            #expect(gateway.requestCount == 3)
            #expect(try await sms.checkAuthenticationStatus(authReqId: request.authReqId) == .failed(reason: "the text message could not be delivered"))
            #expect(harness.completionSink.results(for: request.authReqId) == [.failed(reason: "the text message could not be delivered")])
        }
    }

    @Test("a gateway that fails once is retried and the message goes through")
    func retrySucceeds() async throws {
        try await TestGateway.run(failures: 1) { gateway in
            let (harness, sms, _) = try make(gateway)
            _ = try await harness.start(sms, request(harness))
            await gateway.waitFor(messages: 1)
            #expect(gateway.requestCount == 2)
            #expect(gateway.received.count == 1)
        }
    }

    @Test("the Twilio-compatible provider posts the Messages form with Basic authentication")
    func twilio() async throws {
        try await TestGateway.run { gateway in
            let (harness, sms, _) = try make(gateway, provider: .twilio)
            _ = try await harness.start(sms, request(harness))
            await gateway.waitFor(messages: 1)
            let message = try #require(gateway.received.first)
            #expect(message.to == "+15550101")
            #expect(message.from == "Backchannel")
            #expect(message.authorization == "Basic " + Data("AC123:token-1".utf8).base64EncodedString())
        }
    }

    /// A payment whose creditor name carries markup and whose summary is longer than a text message's budget.
    private static let longPayment = AuthorizationDetails([
        AuthorizationDetail(
            type: "payment_initiation",
            fields: [
                "type": .string("payment_initiation"), "creditorName": .string("<b>ACME</b> Ltd"),
                "instructedAmount": .object(["currency": .string("EUR"), "amount": .string("250.00")]),
            ],
            summary: "Transfer 250.00 EUR to <b>ACME</b> Ltd " + String(repeating: "for the quarterly invoice ", count: 8)),
        AuthorizationDetail(type: "payment_initiation", fields: ["type": .string("payment_initiation")], summary: "A second payment"),
    ])

    @Test("the message names what is approved within its budget, beside the binding message; the page shows all of it, escaped")
    func authorizationDetails() async throws {
        try await TestGateway.run { gateway in
            let (harness, sms, page) = try make(gateway)
            var request = request(harness)
            request.authorizationDetails = Self.longPayment
            #expect(try await harness.start(sms, request) == .started)
            await gateway.waitFor(messages: 1)
            let text = try #require(gateway.received.first).text
            #expect(text.contains("asks you to approve: Transfer 250.00 EUR to <b>ACME</b> Ltd for the quarterly"))
            #expect(text.contains("… (+1 more)."))
            #expect(text.contains("Check it shows: K7."))
            let summary = try #require(text.firstMatch(of: #/approve: (.*)\. Check/#)).1
            #expect(summary.count <= SMSAuthenticator.summaryBudget)
            let shown = await page.respond(to: FrontChannelRequest(method: .get, path: "", query: [("request", try linkToken(in: gateway.received[0]))]))
            #expect(shown.body.contains("Transfer 250.00 EUR to &lt;b&gt;ACME&lt;/b&gt; Ltd for the quarterly invoice"))
            #expect(shown.body.contains("<dt>creditorName</dt><dd>&lt;b&gt;ACME&lt;/b&gt; Ltd</dd>"))
            #expect(shown.body.contains("<dt>instructedAmount.amount</dt><dd>250.00</dd>"))
            #expect(shown.body.contains("A second payment"))
            #expect(!shown.body.contains("<b>ACME</b>"))
        }
    }

    @Test("a binding message with markup is escaped on the page")
    func escaping() async throws {
        try await TestGateway.run { gateway in
            let (harness, sms, page) = try make(gateway)
            let request = request(harness, binding: "<script>alert(1)</script>")
            _ = try await harness.start(sms, request)
            await gateway.waitFor(messages: 1)
            let shown = await page.respond(to: FrontChannelRequest(method: .get, path: "", query: [("request", try linkToken(in: gateway.received[0]))]))
            #expect(!shown.body.contains("<script>alert(1)</script>"))
            #expect(shown.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        }
    }

    @Test("a user without a phone number is unknown_user_id at request time")
    func noPhone() async throws {
        try await TestGateway.run { gateway in
            let (harness, sms, _) = try make(gateway)
            guard case .failed(.unknownUserId, _) = try await harness.start(sms, harness.makeRequest(hint: .loginHint("bob"))) else {
                Issue.record("expected unknown_user_id")
                return
            }
            #expect(gateway.requestCount == 0)
        }
    }

    @Test("the SMS authenticator honours the handler contract")
    func contract() async throws {
        try await TestGateway.run { gateway in
            let (harness, sms, _) = try make(gateway)
            #expect(await BackchannelHandlerContract.violations(of: sms, harness: harness, hint: .loginHint("alice")).isEmpty)
            await gateway.waitFor(messages: 2)
        }
    }

    @Test("the page does not open for the request's identity, which the client can compute from its auth_req_id")
    func pageNotKeyedByRequest() async throws {
        try await TestGateway.run { gateway in
            let (harness, sms, page) = try make(gateway)
            let request = request(harness)
            _ = try await harness.start(sms, request)
            await gateway.waitFor(messages: 1)
            let csrf = String(repeating: "ab", count: 16)
            let shown = await page.respond(to: FrontChannelRequest(method: .get, path: "", query: [("request", request.authReqId.rawValue)]))
            #expect(shown.status == 404)
            let answer = await submit(page, token: request.authReqId.rawValue, code: try code(in: gateway.received[0]), csrf: csrf)
            #expect(answer.status == 404)
            #expect(try await sms.checkAuthenticationStatus(authReqId: request.authReqId) == nil)
        }
    }

    @Test("the link dies with its request: cancelled, or past its expiry while the record is kept for the status check, it opens nothing")
    func linkDiesWithRequest() async throws {
        try await TestGateway.run { gateway in
            let (harness, sms, page) = try make(gateway)
            let cancelled = request(harness)
            _ = try await harness.start(sms, cancelled)
            var expired = request(harness)
            expired.expiresAt = Date().addingTimeInterval(-1)
            _ = try await harness.start(sms, expired)
            await gateway.waitFor(messages: 2)
            let tokens = try gateway.received.map { try linkToken(in: $0) }
            // The two deliveries may arrive in either order: the live request's link opens, the expired one's does not.
            var statuses: [Int] = []
            for token in tokens { statuses.append(await page.respond(to: FrontChannelRequest(method: .get, path: "", query: [("request", token)])).status) }
            #expect(statuses.sorted() == [200, 404])
            try await sms.cancelAuthenticationRequest(authReqId: cancelled.authReqId)
            for token in tokens {
                #expect(await page.respond(to: FrontChannelRequest(method: .get, path: "", query: [("request", token)])).status == 404)
            }
            // The expired request's record is still there, for the status check within its retention.
            #expect(try await sms.services.stateStore.record(namespace: "sms", key: expired.authReqId.rawValue) != nil)
        }
    }

    @Test("the store holds neither the code nor the link token")
    func secretsStoredHashed() async throws {
        try await TestGateway.run { gateway in
            let (harness, sms, _) = try make(gateway)
            let request = request(harness)
            _ = try await harness.start(sms, request)
            await gateway.waitFor(messages: 1)
            let stored = try #require(try await sms.services.stateStore.record(namespace: "sms", key: request.authReqId.rawValue))
            let text = String(decoding: stored.value, as: UTF8.self)
            #expect(!text.contains(try code(in: gateway.received[0])))
            #expect(!text.contains(try linkToken(in: gateway.received[0])))
        }
    }

    @Test("wrong codes count per user across requests: past the bound every request for the user fails, even with the right code")
    func failuresAcrossRequests() async throws {
        try await TestGateway.run { gateway in
            let (harness, sms, page) = try make(gateway, extra: ["max_failures_per_subject": .integer(4)])
            let csrf = String(repeating: "ab", count: 16)
            let first = request(harness)
            _ = try await harness.start(sms, first)
            await gateway.waitFor(messages: 1)
            let firstCode = try code(in: gateway.received[0])
            let wrong = firstCode == "000000" ? "111111" : "000000"
            for _ in 0..<3 { _ = await submit(page, token: try linkToken(in: gateway.received[0]), code: wrong, csrf: csrf) }
            #expect(try await sms.checkAuthenticationStatus(authReqId: first.authReqId) == .failed(reason: "too many wrong codes"))

            let second = request(harness)
            _ = try await harness.start(sms, second)
            await gateway.waitFor(messages: 2)
            let token = try linkToken(in: gateway.received[1])
            let right = try code(in: gateway.received[1])
            #expect(await submit(page, token: token, code: right == "000000" ? "111111" : "000000", csrf: csrf).status == 400)
            #expect(await submit(page, token: token, code: right, csrf: csrf).status == 403)
            #expect(try await sms.checkAuthenticationStatus(authReqId: second.authReqId) == .failed(reason: "too many wrong codes"))
        }
    }

    @Test("a gateway that refuses connections fails the request fast, through the retries, naming the cause")
    func refusedGatewayFailsFast() async throws {
        let harness = BackchannelHandlerHarness(users: Self.users)
        var services = harness.services
        services.clock = SystemClock()
        services.stateStore = InMemoryPluginStateStore(clock: SystemClock())
        let log = CapturedLog()
        services.logger = Logger(label: "test") { _ in log }
        var registry = PluginRegistry()
        try registry.register(SMSAuthenticator.descriptor)
        try registry.register(SMSAuthenticator.pageDescriptor)
        let port = try LoopbackPort.free()
        let instance = try registry.makeAuthenticator(
            plugin: "sms",
            configuration: .object([
                "provider": .string("webhook"), "url": .string("http://127.0.0.1:\(port)/webhook"), "from": .string("Backchannel"),
                "max_retries": .integer(3), "retry_delay_ms": .integer(10),
            ]),
            services: services)
        let sms = try #require(instance.handler as? SMSAuthenticator)
        let request = request(harness)
        _ = try await harness.start(sms, request)
        await harness.completionSink.waitForReports(1)
        #expect(try await sms.checkAuthenticationStatus(authReqId: request.authReqId) == .failed(reason: "the text message could not be delivered"))
        // The cause is the refusal itself, not a connect timeout reached by retrying the connection until it
        // runs out (which is what a client that retries connection establishment would report).
        let failure = try #require(log.entries.first { $0.message == "SMS delivery failed" })
        #expect(failure.metadata.contains("lastCause: \"connection_refused\""))
    }
}
