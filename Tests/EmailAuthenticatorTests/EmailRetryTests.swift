import BackchannelCore
import BackchannelTesting
import EmailAuthenticator
import Foundation
import Synchronization
import Testing

/// The SMTP relay down, then back: a real relay process, started late on the port the authenticator uses.
@Suite("E-mail delivery while the relay is down", .serialized, .timeLimit(.minutes(1)),
    .enabled(if: SMTPTestServer.isAvailable, "skipped: python3 with aiosmtpd is not installed; .ci/run installs it"))
struct EmailRetryTests {
    /// Counts what the authenticator reports of its deliveries.
    final class Deliveries: DeliveryRecorder {
        let counts = Mutex<[DeliveryReport: Int]>([:])
        func record(_ report: DeliveryReport) { counts.withLock { $0[report, default: 0] += 1 } }
        subscript(report: DeliveryReport) -> Int { counts.withLock { $0[report] ?? 0 } }
    }

    private func authenticator(port: Int, deliveries: Deliveries) throws -> (EmailAuthenticator, BackchannelHandlerHarness) {
        let harness = BackchannelHandlerHarness(users: [DirectoryUser(subject: "alice", email: "alice@example.com")])
        var services = harness.services
        services.deliveries = deliveries
        let handler = try EmailAuthenticator(
            configuration: EmailConfiguration(
                smtp: SMTPConfiguration(host: "127.0.0.1", port: port, security: .none, timeoutSeconds: 2), from: "login@example.com",
                retryWindowSeconds: 30, retryDelayMs: 1000),
            services: services)
        return (handler, harness)
    }

    private func until(_ condition: () -> Bool) async throws {
        for _ in 0..<200 where !condition() { try await Task.sleep(for: .milliseconds(25)) }
    }

    @Test("a mail the relay refused is delivered once the relay is back within the retry window, exactly once")
    func deliveredWhenTheRelayIsBack() async throws {
        let port = try LoopbackPort.free()
        let deliveries = Deliveries()
        let (handler, harness) = try authenticator(port: port, deliveries: deliveries)
        let request = harness.makeRequest(hint: .loginHint("alice"))
        #expect(try await harness.start(handler, request) == .started)
        try await until { deliveries[.retried] >= 1 }
        #expect(deliveries[.retried] == 1)  // refused once, now waiting a second (of the virtual clock)

        let relay = try await SMTPTestServer.start(mode: .plain, port: port)
        defer { relay.stop() }
        await harness.clock.advance(by: 1)
        try await relay.waitForMessages(1)
        try await until { deliveries[.sent] == 1 }
        #expect(relay.messages().count == 1)
        #expect(deliveries[.sent] == 1 && deliveries[.failed] == 0)
        #expect(try await handler.checkAuthenticationStatus(authReqId: request.authReqId) == nil)  // still waiting for the user
        await harness.clock.advance(by: 60)
        try await Task.sleep(for: .milliseconds(200))
        #expect(relay.messages().count == 1)  // never sent twice
    }

    @Test("a mail still refused when the retry window ends concludes the request as failed")
    func failedAfterTheWindow() async throws {
        let port = try LoopbackPort.free()
        let deliveries = Deliveries()
        let (handler, harness) = try authenticator(port: port, deliveries: deliveries)
        let request = harness.makeRequest(hint: .loginHint("alice"))
        #expect(try await harness.start(handler, request) == .started)
        for _ in 0..<8 {
            try await until { deliveries[.retried] + deliveries[.failed] > 0 }
            await harness.clock.advance(by: 8)
            try await Task.sleep(for: .milliseconds(50))
        }
        try await until { deliveries[.failed] == 1 }
        #expect(deliveries[.failed] == 1)
        #expect(deliveries[.sent] == 0)
        // The failure is counted just before the conclusion is written: give the write its moment.
        var status = try await handler.checkAuthenticationStatus(authReqId: request.authReqId)
        for _ in 0..<100 where status == nil {
            try await Task.sleep(for: .milliseconds(20))
            status = try await handler.checkAuthenticationStatus(authReqId: request.authReqId)
        }
        guard case .failed = status else {
            Issue.record("the request did not fail after the retry window")
            return
        }
    }
}
