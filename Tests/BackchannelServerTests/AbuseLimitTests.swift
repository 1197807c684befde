import BackchannelCore
import BackchannelTesting
import Foundation
import Logging
import Testing

@testable import BackchannelServer

/// The user code is verified, and the limits of `policy.limits` stop push bombing, each answered
/// with the code CIBA Core §13 gives before the user is reached.
@Suite("user codes and abuse limits")
struct AbuseLimitTests {
    private let teller = ("teller", "teller-secret-0042")

    private func start(_ fixture: EngineFixture, _ hint: String, userCode: String? = nil, client: (String, String) = ("console", "console-secret-0042"))
        async -> Result<AuthenticationAcknowledgement, OAuthError>
    {
        var parameters = [("scope", "openid"), ("login_hint", hint)]
        if let userCode { parameters.append(("user_code", userCode)) }
        return await fixture.start(parameters, client: client)
    }

    @Test("the right user_code starts the request; a wrong one is invalid_user_code and reaches nobody")
    func userCodeVerified() async throws {
        let fixture = try await EngineFixture.make()
        #expect(await start(fixture, "alice", userCode: "obviously-wrong", client: teller).failure == .invalidUserCode("the user_code is invalid"))
        #expect(try await fixture.push.pendingNotifications(subject: "alice").isEmpty)
        _ = try await start(fixture, "alice", userCode: EngineFixture.aliceUserCode, client: teller).get()
        #expect(try await fixture.push.pendingNotifications(subject: "alice").count == 1)
    }

    @Test("a user without a user code hash has no code that verifies")
    func noHashNoCode() async throws {
        let fixture = try await EngineFixture.make()
        #expect(await start(fixture, "bob", userCode: "1234", client: teller).failure?.code == "invalid_user_code")
    }

    @Test("after five wrong user codes the user is locked out, even with the right code, until the window refills")
    func userCodeLockout() async throws {
        let fixture = try await EngineFixture.make()
        for _ in 0..<5 { #expect(await start(fixture, "alice", userCode: "0000", client: teller).failure?.code == "invalid_user_code") }
        let locked = await start(fixture, "alice", userCode: EngineFixture.aliceUserCode, client: teller).failure
        #expect(locked?.code == "access_denied")
        #expect(locked?.httpStatus == 403)
        await fixture.clock.advance(by: 181)  // one failure's worth of the 900-second window
        _ = try await start(fixture, "alice", userCode: EngineFixture.aliceUserCode, client: teller).get()
    }

    @Test("wrong user codes from one client lock the user out for that client only; another user-code client still gets in")
    func userCodeLockoutPerClient() async throws {
        let otherTeller = ClientConfiguration(clientId: "teller-2", clientSecret: "teller-2-secret-0042", backchannelUserCodeParameter: true)
        let fixture = try await EngineFixture.make(clients: EngineFixture.clients + [otherTeller])
        for _ in 0..<5 { #expect(await start(fixture, "alice", userCode: "0000", client: teller).failure?.code == "invalid_user_code") }
        #expect(await start(fixture, "alice", userCode: EngineFixture.aliceUserCode, client: teller).failure?.code == "access_denied")
        _ = try await start(fixture, "alice", userCode: EngineFixture.aliceUserCode, client: ("teller-2", "teller-2-secret-0042")).get()
    }

    @Test("a user_code from a client not registered for user codes is invalid_request and counts toward no lockout")
    func userCodeFromOtherClients() async throws {
        let fixture = try await EngineFixture.make()
        for _ in 0..<10 {
            let refused = await start(fixture, "alice", userCode: "0000")
            #expect(refused.failure?.code == "invalid_request" && refused.failure?.httpStatus == 400)
        }
        #expect(try await fixture.push.pendingNotifications(subject: "alice").isEmpty)
        _ = try await start(fixture, "alice", userCode: EngineFixture.aliceUserCode, client: teller).get()
    }

    @Test("requests refused by a pending cap spend nothing of the user's rate: other clients still reach the user")
    func capRefusalsSpendNothing() async throws {
        var policy = ServerPolicy()
        policy.limits.subjectBurst = 3
        policy.limits.maxPendingPerClientSubject = 1
        let fixture = try await EngineFixture.make(policy: policy)
        _ = try await start(fixture, "carol").get()
        for _ in 0..<20 { #expect(await start(fixture, "carol").failure?.code == "access_denied") }
        _ = try await start(fixture, "carol", client: ("kiosk", "kiosk secret/+0042")).get()
    }

    @Test("wrong user codes spend nothing of the user's rate: other clients still reach the user")
    func wrongUserCodesSpendNothingShared() async throws {
        var policy = ServerPolicy()
        policy.limits.subjectBurst = 2
        let fixture = try await EngineFixture.make(policy: policy)
        for _ in 0..<4 { #expect(await start(fixture, "alice", userCode: "0000", client: teller).failure?.code == "invalid_user_code") }
        _ = try await start(fixture, "alice").get()
        _ = try await start(fixture, "alice", client: ("kiosk", "kiosk secret/+0042")).get()
    }

    @Test("a hash made for the configuration file verifies its code and no other")
    func hashRoundTrip() throws {
        let hash = try UserCodeHash.make(code: "7391")
        let parsed = try #require(UserCodeHash(hash.stored))
        #expect(parsed.matches("7391"))
        #expect(!parsed.matches("7392"))
        #expect(UserCodeHash("7391") == nil)
    }

    @Test("100 requests for one user from one client: 40 pending at once, the rest access_denied with 403")
    func pushBombing() async throws {
        let fixture = try await EngineFixture.make()
        var accepted = 0
        var refused: [OAuthError] = []
        for _ in 0..<100 {
            switch await start(fixture, "carol") {
            case .success: accepted += 1
            case .failure(let error): refused.append(error)
            }
        }
        #expect(accepted == 40)
        #expect(refused.allSatisfy { $0.code == "access_denied" && $0.httpStatus == 403 })
        #expect(try await fixture.push.pendingNotifications(subject: "carol").count == 40)
    }

    @Test("the per-user token bucket refuses a burst beyond its size, whichever clients send it, and refills")
    func subjectRate() async throws {
        var policy = ServerPolicy()
        policy.limits.subjectBurst = 3
        policy.limits.subjectPerMinute = 6
        let fixture = try await EngineFixture.make(policy: policy)
        for client in [("console", "console-secret-0042"), ("kiosk", "kiosk secret/+0042"), ("console", "console-secret-0042")] {
            _ = try await start(fixture, "carol", client: client).get()
        }
        #expect(await start(fixture, "carol", client: ("kiosk", "kiosk secret/+0042")).failure?.code == "access_denied")
        _ = try await start(fixture, "alice").get()  // another user is not affected
        await fixture.clock.advance(by: 10)
        _ = try await start(fixture, "carol").get()
    }

    @Test("the per-client token bucket refuses a client that sends too fast")
    func clientRate() async throws {
        var policy = ServerPolicy()
        policy.limits.clientBurst = 2
        policy.limits.clientPerMinute = 60
        let fixture = try await EngineFixture.make(policy: policy)
        _ = try await start(fixture, "carol").get()
        _ = try await start(fixture, "dave").get()
        #expect(await start(fixture, "alice").failure?.code == "access_denied")
        _ = try await start(fixture, "alice", client: ("kiosk", "kiosk secret/+0042")).get()
    }

    @Test("a concluded request stops counting against the pending cap")
    func pendingReleased() async throws {
        var policy = ServerPolicy()
        policy.limits.maxPendingPerClientSubject = 1
        let fixture = try await EngineFixture.make(policy: policy)
        let first = try await start(fixture, "alice").get()
        #expect(await start(fixture, "alice").failure?.code == "access_denied")
        await fixture.clock.advance(by: 5)
        _ = try await fixture.poll(first.authReqId).get()
        _ = try await start(fixture, "alice").get()
    }

    @Test("after a denial the same client may not ask the same user again until the cool-down ends; other clients may")
    func denialCooldown() async throws {
        let fixture = try await EngineFixture.make()
        let denied = try await start(fixture, "bob").get()
        await fixture.clock.advance(by: 5)
        #expect(await fixture.poll(denied.authReqId).failure?.code == "access_denied")
        #expect(await start(fixture, "bob").failure?.code == "access_denied")
        _ = try await start(fixture, "bob", client: ("kiosk", "kiosk secret/+0042")).get()
        await fixture.clock.advance(by: 31)
        _ = try await start(fixture, "bob").get()
    }

    @Test("with limits off, nothing is counted")
    func disabled() async throws {
        var policy = ServerPolicy()
        policy.limits.enabled = false
        let fixture = try await EngineFixture.make(policy: policy)
        for _ in 0..<100 { _ = try await start(fixture, "carol").get() }
    }

    @Test("a limit store that fails answers server_error, naming nothing of the fault, reaches nobody, and is logged")
    func failingLimitStore() async throws {
        let log = CapturedLog()
        let fixture = try await EngineFixture.make(limitStore: FailingLimitStore(), logger: Logger(label: "test") { _ in log })
        #expect(await start(fixture, "alice").failure == .serverError("the server could not complete the request"))
        #expect(try await fixture.push.pendingNotifications(subject: "alice").isEmpty)
        #expect(log.entries.contains { $0.level == .error && $0.message == "the limit store failed" && $0.metadata.contains("disk on fire") })
    }
}

/// A limit store whose every call fails, as a database that is down would.
private struct FailingLimitStore: LimitStore {
    struct Failure: Error, CustomStringConvertible { var description: String { "disk on fire" } }
    func take(bucket key: String, capacity: Double, refillPerSecond: Double, now: Date) async throws -> TimeInterval? { throw Failure() }
    func giveBack(bucket key: String, capacity: Double, refillPerSecond: Double, now: Date) async throws { throw Failure() }
    func wait(bucket key: String, capacity: Double, refillPerSecond: Double, now: Date) async throws -> TimeInterval { throw Failure() }
    func admit(member: String, caps: [(key: String, cap: Int)], until: Date, now: Date) async throws -> Bool { throw Failure() }
    func release(member: String) async throws -> [String] { throw Failure() }
}
