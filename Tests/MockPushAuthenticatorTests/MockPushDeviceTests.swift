import BackchannelCore
import BackchannelTesting
import Foundation
import MockPushAuthenticator
import Testing

@Suite("Mock push: device API and page", .timeLimit(.minutes(1)))
struct MockPushDeviceTests {
    private func registryPair(_ harness: BackchannelHandlerHarness) throws -> (MockPushAuthenticator, any FrontChannelInteraction) {
        var registry = PluginRegistry()
        try registry.register(MockPushAuthenticator.descriptor)
        try registry.register(MockPushAuthenticator.pageDescriptor)
        let instance = try registry.makeAuthenticator(
            plugin: "mock-push",
            configuration: .object(["users": .object(["carol": .object(["action": .string("silent")])])]),
            services: harness.services)
        return (try #require(instance.handler as? MockPushAuthenticator), try #require(instance.interaction))
    }

    @Test("the device API answers a pending notification once")
    func respondOnce() async throws {
        let (harness, push) = makeMockPush()
        let request = harness.makeRequest(hint: .loginHint("carol"), bindingMessage: "K7-42")
        _ = try await harness.start(push, request)
        let pending = try await push.pendingNotifications(subject: "carol")
        #expect(pending.map(\.bindingMessage) == ["K7-42"])
        #expect(pending.first?.clientName == "Test Client")
        #expect(try await push.respond(authReqId: request.authReqId, approve: true))
        #expect(try await push.respond(authReqId: request.authReqId, approve: false) == false)
        guard case .approved(let attributes) = try await push.checkAuthenticationStatus(authReqId: request.authReqId) else {
            Issue.record("expected approval")
            return
        }
        #expect(attributes.subject == "carol")
        #expect(try await push.pendingNotifications(subject: "carol").isEmpty)
        #expect(harness.completionSink.results(for: request.authReqId).count == 1)
    }

    @Test("the page shows a binding message with markup escaped")
    func pageEscapes() async throws {
        let harness = BackchannelHandlerHarness(users: [DirectoryUser(subject: "carol")])
        let (push, page) = try registryPair(harness)
        let request = harness.makeRequest(hint: .loginHint("carol"), bindingMessage: "<script>alert(1)</script>")
        _ = try await harness.start(push, request)
        let response = await page.respond(to: FrontChannelRequest(method: .get, path: "", query: [("user", "carol")]))
        #expect(response.status == 200)
        #expect(!response.body.contains("<script>alert(1)</script>"))
        #expect(response.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(response.headers["Set-Cookie"]?.contains("SameSite=Strict") == true)
    }

    @Test("the page shows each authorization detail's summary and every field beside the binding message; the device API has them too")
    func pageShowsAuthorizationDetails() async throws {
        let harness = BackchannelHandlerHarness(users: [DirectoryUser(subject: "carol")])
        let (push, page) = try registryPair(harness)
        let request = harness.makeRequest(hint: .loginHint("carol"), bindingMessage: "K7-42", authorizationDetails: .samplePayment)
        _ = try await harness.start(push, request)
        #expect(try await push.pendingNotifications(subject: "carol").first?.authorizationDetails == .samplePayment)
        let body = await page.respond(to: FrontChannelRequest(method: .get, path: "", query: [("user", "carol")])).body
        #expect(body.contains("<strong>Transfer 123.50 EUR to Merchant A (DE02100100109307118603)</strong>"))
        #expect(body.contains("<dt>creditorAccount.iban</dt><dd>DE02100100109307118603</dd>"))
        #expect(body.contains("<dt>instructedAmount.amount</dt><dd>123.50</dd>"))
        #expect(body.contains("K7-42"))
    }

    @Test("approving on the page concludes the request; a forged form without the CSRF token is refused")
    func pageApproves() async throws {
        let harness = BackchannelHandlerHarness(users: [DirectoryUser(subject: "carol")])
        let (push, page) = try registryPair(harness)
        let request = harness.makeRequest(hint: .loginHint("carol"))
        _ = try await harness.start(push, request)
        let shown = await page.respond(to: FrontChannelRequest(method: .get, path: "", query: [("user", "carol")]))
        let cookie = try #require(shown.headers["Set-Cookie"]?.split(separator: ";").first?.split(separator: "=").last.map(String.init))
        #expect(shown.body.contains("value=\"\(cookie)\""))
        let form: [(name: String, value: String)] = [("id", request.authReqId.rawValue), ("user", "carol"), ("decision", "approve")]

        let forged = await page.respond(to: FrontChannelRequest(method: .post, path: "respond", form: form + [("csrf", (cookie.hasPrefix("0") ? "1" : "0") + cookie.dropFirst())], cookies: ["mock_push_csrf": cookie]))
        #expect(forged.status == 403)
        #expect(try await push.checkAuthenticationStatus(authReqId: request.authReqId) == nil)

        let approved = await page.respond(to: FrontChannelRequest(method: .post, path: "respond", form: form + [("csrf", cookie)], cookies: ["mock_push_csrf": cookie]))
        #expect(approved.status == 303)
        #expect(approved.headers["Location"]?.hasSuffix("?user=carol&done=approved") == true)
        guard case .approved = try await push.checkAuthenticationStatus(authReqId: request.authReqId) else {
            Issue.record("expected approval")
            return
        }
    }

    @Test("a user cannot answer another user's notification from the page")
    func pageChecksUser() async throws {
        let harness = BackchannelHandlerHarness(users: [DirectoryUser(subject: "carol")])
        let (push, page) = try registryPair(harness)
        let request = harness.makeRequest(hint: .loginHint("carol"))
        _ = try await harness.start(push, request)
        let csrf = String(repeating: "ab", count: 16)
        let response = await page.respond(to: FrontChannelRequest(
            method: .post, path: "respond",
            form: [("id", request.authReqId.rawValue), ("user", "mallory"), ("decision", "approve"), ("csrf", csrf)],
            cookies: ["mock_push_csrf": csrf]))
        #expect(response.status == 409)
        #expect(try await push.checkAuthenticationStatus(authReqId: request.authReqId) == nil)
    }
}
