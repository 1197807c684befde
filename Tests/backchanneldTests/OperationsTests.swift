import BackchannelCore
import Foundation
import Testing

/// The operations listener of a real process: Prometheus metrics after a flow, health and readiness.
@Suite("operations listener", .timeLimit(.minutes(1)),
    .enabled(if: BackchanneldProcess.isBuilt, "skipped: the backchanneld binary is not built beside the tests"))
struct OperationsTests {
    private func node(in directory: URL) async throws -> BackchanneldProcess {
        let file = directory.appendingPathComponent("backchannel.yaml")
        try """
            policy: { min_client_secret_length: 8 }
            clients:
              - { client_id: demo-client, client_secret: demo-secret }
            authenticators:
              - { plugin: mock-push, configuration: { users: { carol: { action: silent } } } }
            users:
              - { subject: carol }
            """.write(to: file, atomically: true, encoding: .utf8)
        return try await BackchanneldProcess(
            arguments: ["--config", file.path, "--data-dir", directory.appendingPathComponent("data").path], log: directory.appendingPathComponent("log"))
    }

    /// The value of the one sample of `name` whose labels include every one of `labels`.
    private func sample(_ metrics: String, _ name: String, _ labels: [String]) -> Double? {
        for line in metrics.split(separator: "\n") where line.hasPrefix(name + "{") && labels.allSatisfy({ line.contains($0) }) {
            return line.split(separator: " ").last.flatMap { Double($0) }
        }
        return nil
    }

    @Test("after a flow, /metrics counts requests by endpoint, outcome and client, with latencies, and names no user or request")
    func metricsAfterAFlow() async throws {
        let directory = try ChildProcess.temporaryDirectory("operations")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try await node(in: directory)
        defer { server.stop() }
        let id = try await DemoFlow.start(server, "carol")
        #expect(try await DemoFlow.poll(server, id).json["error"] == .string("authorization_pending"))
        let refused = try await HTTPPeer.post(
            "\(server.baseURL)/token", form: [("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", id)],
            basic: ("demo-client", "wrong-secret"))
        #expect(refused.status == 401)

        let scrape = try await HTTPPeer.get("\(server.operationsURL)/metrics")
        #expect(scrape.status == 200)
        let metrics = scrape.text
        #expect(sample(metrics, "backchannel_requests_total", [#"endpoint="backchannel_authentication""#, #"outcome="success""#, #"client_id="demo-client""#]) == 1)
        #expect(sample(metrics, "backchannel_requests_total", [#"endpoint="token""#, #"outcome="authorization_pending""#, #"client_id="demo-client""#]) == 1)
        #expect(sample(metrics, "backchannel_requests_total", [#"endpoint="token""#, #"outcome="invalid_client""#, #"client_id="unauthenticated""#]) == 1)
        #expect(metrics.contains("backchannel_request_duration_seconds_bucket"))
        #expect(metrics.contains(#"backchannel_plugin_call_duration_seconds_count{authenticator="mock-push",call="start"}"#)
            || sample(metrics, "backchannel_plugin_call_duration_seconds_count", [#"call="start""#]) != nil)
        #expect(sample(metrics, "backchannel_store_operation_duration_seconds_count", [#"operation="insert""#]) == 1)
        #expect(!metrics.contains("carol"))
        #expect(!metrics.contains(id))
    }

    @Test("/healthz answers while the process serves, /readyz when the store and every authenticator are ready")
    func health() async throws {
        let directory = try ChildProcess.temporaryDirectory("health")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try await node(in: directory)
        defer { server.stop() }
        #expect(try await HTTPPeer.get("\(server.operationsURL)/healthz").status == 200)
        let ready = try await HTTPPeer.get("\(server.operationsURL)/readyz")
        #expect(ready.status == 200)
        #expect(ready.json["status"] == .string("ready"))
        #expect(try await HTTPPeer.get("\(server.baseURL)/metrics").status == 404)  // not on the public port
    }
}
