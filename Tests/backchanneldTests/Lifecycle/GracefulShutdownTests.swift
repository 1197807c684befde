import BackchannelCore
import Foundation
import Testing

/// SIGTERM to a real `backchanneld` during an SMS delivery: the delivery completes, or it is concluded
/// as failed at the shutdown deadline; either way the request is accounted for after a restart.
@Suite("graceful shutdown", .serialized, .timeLimit(.minutes(2)),
    .enabled(if: BackchanneldProcess.isBuilt, "skipped: the backchanneld binary is not built beside the tests"))
struct GracefulShutdownTests {
    private func configuration(gateway: Int, deadline: Int) -> String {
        """
        server: { shutdown_deadline: \(deadline) }
        clients: [{ client_id: console, client_secret: console-secret-0042 }]
        authenticators:
          - plugin: sms
            configuration: { provider: webhook, url: "http://127.0.0.1:\(gateway)/webhook", from: Test, timeout_seconds: 30, max_retries: 0 }
        users: [{ subject: alice, phone_number: "+15550101" }]
        """
    }

    private func run(delay: Duration, deadline: Int, _ check: (_ gateway: SlowGateway, _ exitStatus: Int32, _ shutdownTook: Duration, _ poll: HTTPPeer.Answer) async throws -> Void) async throws {
        try await SlowGateway.run(delay: delay) { gateway in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("shutdown-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let file = directory.appendingPathComponent("backchannel.yaml")
            try configuration(gateway: gateway.port, deadline: deadline).write(to: file, atomically: true, encoding: .utf8)
            let arguments = ["--config", file.path, "--data-dir", directory.appendingPathComponent("data").path]
            let log = directory.appendingPathComponent("log")
            let client = ("console", "console-secret-0042")

            let first = try await BackchanneldProcess(arguments: arguments, log: log)
            let started = try await HTTPPeer.post(
                "\(first.baseURL)/backchannel/authentication", form: [("scope", "openid"), ("login_hint", "alice")], basic: client)
            let authReqId = try #require(started.json["auth_req_id"]?.stringValue)
            await gateway.waitForRequest()
            let terminated = ContinuousClock.now
            let status = await first.terminate()
            let shutdownTook = ContinuousClock.now - terminated

            let second = try await BackchanneldProcess(arguments: arguments, log: log)
            defer { second.stop() }
            let poll = try await HTTPPeer.post(
                "\(second.baseURL)/token", form: [("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", authReqId)], basic: client)
            try await check(gateway, status, shutdownTook, poll)
        }
    }

    @Test("a delivery in flight at SIGTERM completes within the deadline, and the process exits 0")
    func deliveryCompletes() async throws {
        try await run(delay: .seconds(2), deadline: 10) { gateway, status, shutdownTook, poll in
            #expect(status == 0)
            // It waited for the delivery (2 s at the gateway) instead of dropping it.
            #expect(shutdownTook > .seconds(1))
            #expect(gateway.received.count == 1)
            #expect(poll.json["error"]?.stringValue == "authorization_pending")
        }
    }

    @Test("a delivery still in flight at the deadline is concluded as failed, not lost")
    func deliveryConcludedFailed() async throws {
        try await run(delay: .seconds(20), deadline: 1) { gateway, status, shutdownTook, poll in
            #expect(shutdownTook < .seconds(10))
            #expect(status == 0)
            #expect(gateway.received.isEmpty)
            #expect(poll.json["error"]?.stringValue == "access_denied")
        }
    }
}
