import BackchannelCore
import BackchannelTesting
import Foundation
import Hummingbird
import Synchronization
import Testing

/// An SMS gateway that answers only after the per-attempt timeout, behind a real process.
@Suite("faults: a slow SMS gateway", .timeLimit(.minutes(1)),
    .enabled(if: BackchanneldProcess.isBuilt, "skipped: the backchanneld binary is not built beside the tests"))
struct SlowSMSGatewayTests {
    @Test("each attempt times out and is retried max_retries times, never more (the user gets at most max_retries + 1 texts); then the request fails")
    func retriedThenFailed() async throws {
        let directory = try ChildProcess.temporaryDirectory("slow-sms")
        defer { try? FileManager.default.removeItem(at: directory) }
        let received = Atomic<Int>(0)
        let router = Router()
        router.post("/messages") { _, _ in
            received.add(1, ordering: .relaxed)
            // The gateway's latency, which the test is about: not a wait for anything.
            try await Task.sleep(for: .milliseconds(1500))  // past the 1 s attempt timeout
            return Response(status: .created)
        }
        let gatewayPort = try LoopbackPort.free()
        try await LoopbackHTTPServer.serve(router, port: gatewayPort) {
            let file = directory.appendingPathComponent("backchannel.yaml")
            try """
                policy: { min_client_secret_length: 8, enforce_poll_interval: false }
                clients:
                  - { client_id: demo-client, client_secret: demo-secret }
                authenticators:
                  - plugin: sms
                    configuration: { provider: webhook, url: "http://127.0.0.1:\(gatewayPort)/messages", from: Backchannel,
                                     max_retries: 2, retry_delay_ms: 10, timeout_seconds: 1 }
                users:
                  - { subject: carol, phone_number: "+15550101" }
                """.write(to: file, atomically: true, encoding: .utf8)
            let server = try await BackchanneldProcess(
                arguments: ["--config", file.path, "--data-dir", directory.appendingPathComponent("data").path], log: directory.appendingPathComponent("log"),
                logLevel: "info")
            defer { server.stop() }
            let id = try await DemoFlow.start(server, "carol")
            // The delivery gives up and the request concludes as failed: the audit trail says when.
            #expect(await server.output.waitFor("request.concluded"))
            let answer = try await DemoFlow.poll(server, id)
            #expect(answer.json["error"] == .string("access_denied"))
            let metrics = try await HTTPPeer.get("\(server.operationsURL)/metrics").text
            #expect(metrics.contains(#"backchannel_deliveries_total{authenticator="sms",outcome="retried"} 2"#))
            #expect(metrics.contains(#"backchannel_deliveries_total{authenticator="sms",outcome="failed"} 1"#))
            // Once the server has stopped nothing more can arrive: three texts at most, never a fourth.
            _ = await server.terminate()
            #expect(received.load(ordering: .relaxed) == 3)
        }
    }
}
