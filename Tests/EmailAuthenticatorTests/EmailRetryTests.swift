import BackchannelCore
import BackchannelTesting
import EmailAuthenticator
import Foundation
import Testing

/// The SMTP relay down, then back: a real relay process, started late on the port the authenticator uses.
@Suite("E-mail delivery while the relay is down", .serialized, .timeLimit(.minutes(1)),
    .enabled(if: SMTPTestServer.isAvailable, "skipped: python3 with aiosmtpd is not installed; .ci/run installs it"))
struct EmailRetryTests {
    /// Counts what the authenticator reports of its deliveries.
    final class Deliveries: DeliveryRecorder {
        let counts = EventCounter<DeliveryReport>()
        func record(_ report: DeliveryReport) { counts.record(report) }
        subscript(report: DeliveryReport) -> Int { counts[report] }
        func wait(for report: DeliveryReport) async { await counts.wait(for: report) }
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

    @Test("a mail the relay refused is delivered once the relay is back within the retry window, exactly once")
    func deliveredWhenTheRelayIsBack() async throws {
        let port = try LoopbackPort.free()
        let deliveries = Deliveries()
        let (handler, harness) = try authenticator(port: port, deliveries: deliveries)
        let request = harness.makeRequest(hint: .loginHint("alice"))
        #expect(try await harness.start(handler, request) == .started)
        await deliveries.wait(for: .retried)
        await harness.clock.waitForSleepers(1)
        #expect(deliveries[.retried] == 1)  // refused once, now waiting a second (of the virtual clock)

        let relay = try await SMTPTestServer.start(mode: .plain, port: port)
        defer { relay.stop() }
        await harness.clock.advance(by: 1)
        await relay.waitForMessages(1)
        await deliveries.wait(for: .sent)
        #expect(relay.messages().count == 1)
        #expect(deliveries[.sent] == 1 && deliveries[.failed] == 0)
        #expect(try await handler.checkAuthenticationStatus(authReqId: request.authReqId) == nil)  // still waiting for the user
        // Nothing is left that could send it again: the delivery has ended, and none is sleeping on the clock.
        #expect(await harness.services.background.drain(deadline: .seconds(30)) == 0)
        #expect(harness.clock.sleeperCount == 0)
        #expect(relay.messages().count == 1)  // never sent twice
    }

    @Test("a mail still refused when the retry window ends concludes the request as failed")
    func failedAfterTheWindow() async throws {
        let port = try LoopbackPort.free()
        let deliveries = Deliveries()
        let (handler, harness) = try authenticator(port: port, deliveries: deliveries)
        let request = harness.makeRequest(hint: .loginHint("alice"))
        #expect(try await harness.start(handler, request) == .started)
        // Refused at t=0, 8 and 16 (each retry waits 1, 2, then 4 s of the virtual clock); at t=24 the next
        // retry (8 s later) would come after the 30 s window: the delivery fails.
        for _ in 0..<3 {
            await harness.clock.waitForSleepers(1)
            await harness.clock.advance(by: 8)
        }
        await deliveries.wait(for: .failed)
        #expect(deliveries[.retried] == 3)
        #expect(deliveries[.sent] == 0)
        // The failure is counted just before the conclusion is reported: wait for the report.
        await harness.completionSink.waitForReports(1)
        let status = try await handler.checkAuthenticationStatus(authReqId: request.authReqId)
        guard case .failed = status else {
            Issue.record("the request did not fail after the retry window")
            return
        }
    }
}
