import BackchannelCore
import BackchannelTesting
import ConsoleCodeAuthenticator
import Foundation
import Logging
import Testing

extension CapturedLog {
    /// The code and the link's token the example "delivers" by logging them: the last ones logged.
    var lastDelivery: (code: String, link: String)? {
        messages.last.flatMap { $0.firstMatch(of: #/: (\d+); enter it at \S+\?link=([0-9a-f]+)/#).map { (String($0.1), String($0.2)) } }
    }
}

@Suite("The README's example plugin")
struct ConsoleCodeAuthenticatorTests {
    private struct Setup {
        var harness: BackchannelHandlerHarness
        var handler: ConsoleCodeAuthenticator
        var page: any FrontChannelInteraction
        var log: CapturedLog
        var services: BackchannelHostServices

        /// Opens the link's page as a browser would. - Returns: the answer and the CSRF cookie it planted.
        func open(_ link: String) async -> (FrontChannelResponse, cookie: String?) {
            let answer = await page.respond(to: FrontChannelRequest(method: .get, path: "", query: [("link", link)]))
            let cookie = answer.headers["Set-Cookie"]?.firstMatch(of: #/console_code_csrf=([0-9a-f]+);/#).map { String($0.1) }
            return (answer, cookie)
        }

        /// Submits a code from the page opened with `cookie`.
        func submit(_ link: String, code: String, cookie: String?) async -> FrontChannelResponse {
            await page.respond(
                to: FrontChannelRequest(
                    method: .post, path: "", form: [("link", link), ("csrf", cookie ?? ""), ("code", code)],
                    cookies: cookie.map { ["console_code_csrf": $0] } ?? [:]))
        }
    }

    private func make(clientName: String = "Test Client", bindingMessage: String? = "TEST-1234") throws -> Setup {
        let log = CapturedLog()
        let harness = BackchannelHandlerHarness(users: [DirectoryUser(subject: "alice")])
        var services = harness.services
        services.logger = Logger(label: "example") { _ in log }
        var registry = PluginRegistry()
        try registry.register(ConsoleCodeAuthenticator.descriptor)
        try registry.register(ConsoleCodeAuthenticator.pageDescriptor)
        let instance = try registry.makeAuthenticator(
            plugin: "console-code", configuration: .object(["code_length": .integer(6), "max_attempts": .integer(3)]), services: services)
        return Setup(
            harness: harness, handler: try #require(instance.handler as? ConsoleCodeAuthenticator), page: try #require(instance.interaction), log: log,
            services: services)
    }

    @Test("it honours the handler contract")
    func contract() async throws {
        let setup = try make()
        #expect(await BackchannelHandlerContract.violations(of: setup.handler, harness: setup.harness, hint: .loginHint("alice")).isEmpty)
    }

    @Test("the link from the log opens the page; a wrong code asks again, the right one approves, and the link then opens nothing")
    func wrongThenRight() async throws {
        let setup = try make()
        let request = setup.harness.makeRequest(hint: .loginHint("alice"))
        #expect(try await setup.harness.start(setup.handler, request) == .started)
        let (code, link) = try #require(setup.log.lastDelivery)
        #expect(code.count == 6 && link.count == 32)
        let (opened, cookie) = await setup.open(link)
        #expect(opened.status == 200)
        #expect(opened.body.contains("Test Client asks you to sign in") && opened.body.contains("TEST-1234"))
        #expect(opened.body.contains(FrontChannelStyle.stylesheet))
        let wrong = code == "000000" ? "111111" : "000000"
        let retry = await setup.submit(link, code: wrong, cookie: cookie)
        #expect(retry.status == 400 && retry.body.contains("Wrong code"))
        #expect(try await setup.handler.checkAuthenticationStatus(authReqId: request.authReqId) == nil)
        #expect(await setup.submit(link, code: code, cookie: cookie).status == 200)
        guard case .approved(let attributes) = try await setup.handler.checkAuthenticationStatus(authReqId: request.authReqId) else {
            Issue.record("expected approval")
            return
        }
        #expect(attributes.amr == ["otp"] && attributes.subject == "alice")
        #expect(setup.harness.completionSink.results(for: request.authReqId).count == 1)
        #expect(await setup.open(link).0.status == 404)
    }

    @Test("three wrong codes fail the authentication")
    func wrongCodes() async throws {
        let setup = try make()
        let request = setup.harness.makeRequest(hint: .loginHint("alice"))
        _ = try await setup.harness.start(setup.handler, request)
        let (code, link) = try #require(setup.log.lastDelivery)
        let cookie = await setup.open(link).cookie
        let wrong = code == "000000" ? "111111" : "000000"
        var statuses: [Int] = []
        for _ in 1...3 { statuses.append(await setup.submit(link, code: wrong, cookie: cookie).status) }
        #expect(statuses == [400, 400, 403])
        #expect(try await setup.handler.checkAuthenticationStatus(authReqId: request.authReqId) == .failed(reason: "too many wrong codes"))
    }

    @Test("the request's identity opens no page: only the link the user was sent does")
    func identityIsNoKey() async throws {
        let setup = try make()
        let request = setup.harness.makeRequest(hint: .loginHint("alice"))
        _ = try await setup.harness.start(setup.handler, request)
        #expect(await setup.open(request.authReqId.rawValue).0.status == 404)
        #expect(await setup.open(LinkSecret.hash(of: try #require(setup.log.lastDelivery).link)).0.status == 404)
    }

    @Test("a code posted without the page's CSRF token is refused and counts no attempt")
    func crossSitePost() async throws {
        let setup = try make()
        let request = setup.harness.makeRequest(hint: .loginHint("alice"))
        _ = try await setup.harness.start(setup.handler, request)
        let (code, link) = try #require(setup.log.lastDelivery)
        #expect(await setup.submit(link, code: code, cookie: nil).status == 403)
        #expect(try await setup.handler.checkAuthenticationStatus(authReqId: request.authReqId) == nil)
    }

    @Test("what the client chose is escaped on the page")
    func escapes() async throws {
        let setup = try make()
        var request = setup.harness.makeRequest(hint: .loginHint("alice"), bindingMessage: "<b>1</b>")
        request.clientName = "<script>alert(1)</script>"
        _ = try await setup.harness.start(setup.handler, request)
        let page = await setup.open(try #require(setup.log.lastDelivery).link).0.body
        #expect(!page.contains("<script>alert") && page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(page.contains("&lt;b&gt;1&lt;/b&gt;"))
    }

    @Test("past the request's expiry the link opens nothing, and the code approves nothing")
    func expiry() async throws {
        let setup = try make()
        let request = setup.harness.makeRequest(hint: .loginHint("alice"), expiresIn: 120)
        _ = try await setup.harness.start(setup.handler, request)
        let (code, link) = try #require(setup.log.lastDelivery)
        let cookie = await setup.open(link).cookie
        await setup.harness.clock.advance(by: 121)
        #expect(await setup.open(link).0.status == 404)
        #expect(await setup.submit(link, code: code, cookie: cookie).status == 404)
        #expect(try await setup.handler.checkAuthenticationStatus(authReqId: request.authReqId) == nil)
    }

    @Test("state lives in the host's store: another server process's page concludes a request this one started")
    func durableAcrossProcesses() async throws {
        let setup = try make()
        let request = setup.harness.makeRequest(hint: .loginHint("alice"))
        _ = try await setup.harness.start(setup.handler, request)
        let (code, link) = try #require(setup.log.lastDelivery)
        // A second instance, as another node makes it, sharing nothing with the first but the store.
        var registry = PluginRegistry()
        try registry.register(ConsoleCodeAuthenticator.descriptor)
        try registry.register(ConsoleCodeAuthenticator.pageDescriptor)
        let other = try registry.makeAuthenticator(
            plugin: "console-code", configuration: .object(["code_length": .integer(6), "max_attempts": .integer(3)]), services: setup.services)
        var node = setup
        node.page = try #require(other.interaction)
        let cookie = await node.open(link).cookie
        #expect(await node.submit(link, code: code, cookie: cookie).status == 200)
        #expect(try await setup.handler.checkAuthenticationStatus(authReqId: request.authReqId) != nil)
    }

    @Test("an unknown user is unknown_user_id")
    func unknownUser() async throws {
        let setup = try make()
        #expect(try await setup.harness.start(setup.handler, setup.harness.makeRequest(hint: .loginHint("bob"))) == .failed(.unknownUserId))
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async -> T) async -> [T] {
        var results: [T] = []
        for element in self { results.append(await transform(element)) }
        return results
    }
}

@Suite("README")
struct ReadmeExampleTests {
    @Test("README's plugin example is exactly the compiled example source")
    func readmeShowsCompiledExample() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let source = try String(contentsOf: root.appendingPathComponent("Examples/ConsoleCodePlugin/Sources/ConsoleCodeAuthenticator/ConsoleCodeAuthenticator.swift"), encoding: .utf8)
        #expect(readme.contains("```swift\n" + source + "```"))
    }
}

@Suite("README's testing snippet")
struct ReadmeTestingSnippetTests {
    @Test("the contract check as README shows it passes")
    func snippet() async {
        let harness = BackchannelHandlerHarness(users: [DirectoryUser(subject: "alice")])
        let handler = ConsoleCodeAuthenticator(
            configuration: ConsoleCodeConfiguration(codeLength: 6, maxAttempts: 3), services: harness.services)
        #expect(await BackchannelHandlerContract.violations(of: handler, harness: harness, hint: .loginHint("alice")).isEmpty)
    }
}
