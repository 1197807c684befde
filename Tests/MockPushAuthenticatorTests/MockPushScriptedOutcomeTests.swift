import BackchannelCore
import BackchannelTesting
import Foundation
import MockPushAuthenticator
import Testing

/// Builds a harness and a mock push authenticator scripted as the demo users are.
func makeMockPush() -> (BackchannelHandlerHarness, MockPushAuthenticator) {
    let harness = BackchannelHandlerHarness(users: [
        DirectoryUser(subject: "alice", loginHints: ["alice@example.com"]),
        DirectoryUser(subject: "bob"), DirectoryUser(subject: "carol"), DirectoryUser(subject: "dave"),
    ])
    let configuration = MockPushConfiguration(users: [
        "alice": MockPushScript(action: .approve, afterSeconds: 2),
        "bob": MockPushScript(action: .deny, afterSeconds: 3),
        "carol": MockPushScript(action: .silent),
        "dave": MockPushScript(action: .fail, afterSeconds: 1),
    ])
    return (harness, MockPushAuthenticator(configuration: configuration, services: harness.services))
}

@Suite("Mock push: scripted outcomes", .timeLimit(.minutes(1)))
struct MockPushScriptedOutcomeTests {
    @Test("a user scripted to approve is authenticated after the scripted delay")
    func approve() async throws {
        let (harness, push) = makeMockPush()
        let request = harness.makeRequest(hint: .loginHint("alice"))
        #expect(try await harness.start(push, request) == .started)
        #expect(try await push.checkAuthenticationStatus(authReqId: request.authReqId) == nil)
        let outcome = try await harness.runUntilConcluded(push, request, step: 0.5)
        guard case .concluded(.approved(let attributes)) = outcome else {
            Issue.record("expected approval, got \(outcome)")
            return
        }
        #expect(attributes.subject == "alice")
        #expect(attributes.amr.isEmpty)
        #expect(attributes.authTime.timeIntervalSince(request.expiresAt.addingTimeInterval(-120)) == 2)
    }

    @Test("a user scripted to deny refuses")
    func deny() async throws {
        let (harness, push) = makeMockPush()
        let request = harness.makeRequest(hint: .loginHint("bob"))
        #expect(try await harness.start(push, request) == .started)
        #expect(try await harness.runUntilConcluded(push, request) == .concluded(.denied(reason: "the user refused on their device")))
    }

    @Test("a silent user never answers, so the request expires and is cancelled")
    func silent() async throws {
        let (harness, push) = makeMockPush()
        let request = harness.makeRequest(hint: .loginHint("carol"), expiresIn: 30)
        #expect(try await harness.start(push, request) == .started)
        #expect(try await harness.runUntilConcluded(push, request, step: 5) == .expired)
        #expect(try await push.pendingNotifications(subject: "carol").isEmpty)
        #expect(harness.completionSink.count == 0)
    }

    @Test("a device scripted to fail concludes the request as failed, not denied")
    func fail() async throws {
        let (harness, push) = makeMockPush()
        let request = harness.makeRequest(hint: .loginHint("dave"))
        #expect(try await harness.start(push, request) == .started)
        #expect(try await harness.runUntilConcluded(push, request) == .concluded(.failed(reason: "the push device did not respond")))
    }

    @Test("an unknown subject is unknown_user_id at start")
    func unknownUser() async throws {
        let (harness, push) = makeMockPush()
        let result = try await harness.start(push, harness.makeRequest(hint: .loginHint("mallory")))
        #expect(result == .failed(.unknownUserId))
    }

    @Test("a login_hint_token is unknown_user_id: the mock cannot interpret one")
    func loginHintToken() async throws {
        let (harness, push) = makeMockPush()
        guard case .failed(.unknownUserId, _) = try await harness.start(push, harness.makeRequest(hint: .loginHintToken("opaque"))) else {
            Issue.record("expected unknown_user_id")
            return
        }
    }

    @Test("a login hint resolves through the user directory")
    func directoryAlias() async throws {
        let (harness, push) = makeMockPush()
        let request = harness.makeRequest(hint: .loginHint("alice@example.com"))
        #expect(try await harness.start(push, request) == .started)
        #expect(try await push.pendingNotifications(subject: "alice").map(\.authReqId) == [request.authReqId])
    }

    @Test("the scripted answer is reported to the completion sink when its time comes, without a poll")
    func reportsToSink() async throws {
        let (harness, push) = makeMockPush()
        let request = harness.makeRequest(hint: .loginHint("alice"))
        _ = try await harness.start(push, request)
        await harness.clock.waitForSleepers()
        await harness.clock.advance(by: 2)
        await harness.completionSink.waitForReports()
        #expect(harness.completionSink.results(for: request.authReqId).count == 1)
        guard case .approved = harness.completionSink.results(for: request.authReqId).first else {
            Issue.record("expected an approval report")
            return
        }
    }

    @Test("the mock push authenticator honours the handler contract")
    func contract() async {
        let (harness, push) = makeMockPush()
        let violations = await BackchannelHandlerContract.violations(of: push, harness: harness, hint: .loginHint("carol"))
        #expect(violations.isEmpty, "\(violations)")
    }
}
