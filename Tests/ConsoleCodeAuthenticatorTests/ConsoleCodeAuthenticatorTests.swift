import BackchannelCore
import BackchannelTesting
import ConsoleCodeAuthenticator
import Foundation
import Logging
import Testing

extension CapturedLog {
    /// The code the example "delivers" by logging it: the last one logged.
    var lastCode: String? {
        messages.last.flatMap { $0.firstMatch(of: #/: (\d+);/#).map { String($0.1) } }
    }
}

@Suite("The README's example plugin")
struct ConsoleCodeAuthenticatorTests {
    private func make() throws -> (BackchannelHandlerHarness, ConsoleCodeAuthenticator, any FrontChannelInteraction, CapturedLog) {
        let log = CapturedLog()
        let harness = BackchannelHandlerHarness(users: [DirectoryUser(subject: "alice")])
        var services = harness.services
        services.logger = Logger(label: "example") { _ in log }
        var registry = PluginRegistry()
        try registry.register(ConsoleCodeAuthenticator.descriptor)
        try registry.register(ConsoleCodeAuthenticator.pageDescriptor)
        let instance = try registry.makeAuthenticator(
            plugin: "console-code", configuration: .object(["code_length": .integer(6), "max_attempts": .integer(3)]), services: services)
        return (harness, try #require(instance.handler as? ConsoleCodeAuthenticator), try #require(instance.interaction), log)
    }

    @Test("it honours the handler contract")
    func contract() async throws {
        let (harness, handler, _, _) = try make()
        #expect(await BackchannelHandlerContract.violations(of: handler, harness: harness, hint: .loginHint("alice")).isEmpty)
    }

    @Test("the code from the log, typed on the page, approves")
    func approve() async throws {
        let (harness, handler, page, log) = try make()
        let request = harness.makeRequest(hint: .loginHint("alice"))
        #expect(try await harness.start(handler, request) == .started)
        let code = try #require(log.lastCode)
        #expect(code.count == 6)
        let id = request.authReqId.rawValue
        #expect(await page.respond(to: FrontChannelRequest(method: .get, path: "", query: [("request", id)])).status == 200)
        let answer = await page.respond(to: FrontChannelRequest(method: .post, path: "", form: [("request", id), ("code", code)]))
        #expect(answer.status == 200)
        guard case .approved(let attributes) = try await handler.checkAuthenticationStatus(authReqId: request.authReqId) else {
            Issue.record("expected approval")
            return
        }
        #expect(attributes.amr == ["otp"])
    }

    @Test("three wrong codes fail the authentication")
    func wrongCodes() async throws {
        let (harness, handler, page, log) = try make()
        let request = harness.makeRequest(hint: .loginHint("alice"))
        _ = try await harness.start(handler, request)
        let wrong = log.lastCode == "000000" ? "111111" : "000000"
        let statuses = await [1, 2, 3].asyncMap { _ in
            await page.respond(to: FrontChannelRequest(method: .post, path: "", form: [("request", request.authReqId.rawValue), ("code", wrong)])).status
        }
        #expect(statuses == [400, 400, 403])
        #expect(try await handler.checkAuthenticationStatus(authReqId: request.authReqId) == .failed(reason: "too many wrong codes"))
    }

    @Test("an unknown user is unknown_user_id")
    func unknownUser() async throws {
        let (harness, handler, _, _) = try make()
        #expect(try await harness.start(handler, harness.makeRequest(hint: .loginHint("bob"))) == .failed(.unknownUserId))
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
        let source = try String(contentsOf: root.appendingPathComponent("Examples/ConsoleCodeAuthenticator/ConsoleCodeAuthenticator.swift"), encoding: .utf8)
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
