import BackchannelCore
import BackchannelTesting
import Foundation
import Hummingbird
import Synchronization
import Testing

/// The operations listener of a real process: Prometheus metrics after a flow, health and readiness.
@Suite("operations listener", .timeLimit(.minutes(2)),
    .enabled(if: BackchanneldProcess.isBuilt, "skipped: the backchanneld binary is not built beside the tests"))
struct OperationsTests {
    private func node(
        in directory: URL, store: String = "",
        authenticators: String = "- { plugin: mock-push, configuration: { users: { carol: { action: silent } } } }", logLevel: String = "warning"
    ) async throws -> BackchanneldProcess {
        let file = directory.appendingPathComponent("backchannel.yaml")
        try """
            \(store)
            policy: { min_client_secret_length: 8 }
            clients:
              - { client_id: demo-client, client_secret: demo-secret }
            authenticators:
              \(authenticators)
            users:
              - { subject: carol, phone_number: "+15550101", email: carol@example.com }
            """.write(to: file, atomically: true, encoding: .utf8)
        return try await BackchanneldProcess(
            arguments: ["--config", file.path, "--data-dir", directory.appendingPathComponent("data").path], log: directory.appendingPathComponent("log"),
            logLevel: logLevel)
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

    @Test("/readyz fails while PostgreSQL is down, naming the store, and recovers by itself when it is back",
        .enabled(if: TemporaryPostgresServer.binaryDirectory != nil, "skipped: PostgreSQL (initdb, pg_ctl) is not installed; .ci/run installs it"))
    func readinessFollowsPostgreSQL() async throws {
        let directory = try ChildProcess.temporaryDirectory("ready-pg")
        defer { try? FileManager.default.removeItem(at: directory) }
        let postgres = try await TemporaryPostgresServer.start()
        defer { postgres.stop() }
        let url = try await postgres.makeDatabase()
        let server = try await node(in: directory, store: "store: { kind: postgres, url: \"\(url)\" }", logLevel: "info")
        defer { server.stop() }
        #expect(try await HTTPPeer.get("\(server.operationsURL)/readyz").status == 200)

        // Once PostgreSQL has stopped, no store read succeeds: its connections are gone.
        try await postgres.halt()
        let down = try await HTTPPeer.get("\(server.operationsURL)/readyz")
        #expect(down.status == 503)
        #expect(down.json["status"] == .string("not_ready"))
        #expect(down.json["checks"]?.member("store")?.stringValue?.hasPrefix("ok") == false)
        #expect(try await HTTPPeer.get("\(server.operationsURL)/healthz").status == 200)  // alive, only not ready

        try await postgres.resume()
        // The node says when a connection is back.
        #expect(await server.output.waitFor("connected to PostgreSQL again"))
        let back = try await HTTPPeer.get("\(server.operationsURL)/readyz")
        #expect(back.status == 200)
        #expect(back.json["checks"]?.member("store") == .string("ok"))
        _ = try await DemoFlow.start(server, "carol")  // and it takes requests again
    }

    @Test("/readyz fails while the e-mail authenticator's SMTP relay refuses connections, naming the authenticator")
    func readinessNamesARefusingRelay() async throws {
        let directory = try ChildProcess.temporaryDirectory("ready-smtp")
        defer { try? FileManager.default.removeItem(at: directory) }
        let closedPort = try LoopbackPort.free()
        let server = try await node(
            in: directory,
            authenticators: "- { plugin: email, configuration: { from: backchannel@example.com, smtp: { host: 127.0.0.1, port: \(closedPort), security: none } } }")
        defer { server.stop() }
        let answer = try await HTTPPeer.get("\(server.operationsURL)/readyz")
        #expect(answer.status == 503)
        let check = answer.json["checks"]?.member("authenticator email")?.stringValue ?? ""
        #expect(check.hasPrefix("not ready: the SMTP relay 127.0.0.1:\(closedPort) does not answer"))
        #expect(answer.json["checks"]?.member("store") == .string("ok"))
    }

    @Test("SMS deliveries are counted by authenticator and outcome: a gateway answering 503 then 201 counts one retry and one sent")
    func deliveriesCounted() async throws {
        let directory = try ChildProcess.temporaryDirectory("deliveries")
        defer { try? FileManager.default.removeItem(at: directory) }
        let calls = Atomic<Int>(0)
        let answered = EventCounter<String>()
        let router = Router()
        router.post("/messages") { _, _ in
            defer { answered.record("call") }
            return calls.add(1, ordering: .relaxed).newValue == 1 ? Response(status: .serviceUnavailable) : Response(status: .created)
        }
        let gatewayPort = try LoopbackPort.free()
        try await LoopbackHTTPServer.serve(router, port: gatewayPort) {
            let server = try await node(
                in: directory,
                authenticators: "- { plugin: sms, name: text, configuration: { provider: webhook, url: \"http://127.0.0.1:\(gatewayPort)/messages\", from: Backchannel, retry_delay_ms: 10 } }",
                logLevel: "debug")
            defer { server.stop() }
            _ = try await DemoFlow.start(server, "carol")
            await answered.wait(for: "call", count: 2)
            // Counted before the node says it sent the message.
            #expect(await server.output.waitFor("SMS sent"))
            let metrics = try await HTTPPeer.get("\(server.operationsURL)/metrics").text
            #expect(sample(metrics, "backchannel_deliveries_total", [#"authenticator="text""#, #"outcome="retried""#]) == 1)
            #expect(sample(metrics, "backchannel_deliveries_total", [#"authenticator="text""#, #"outcome="sent""#]) == 1)
            #expect(sample(metrics, "backchannel_deliveries_total", [#"authenticator="text""#, #"outcome="failed""#]) == 0)
        }
    }
}

extension JSONValue {
    /// The member `name` of an object.
    fileprivate func member(_ name: String) -> JSONValue? {
        if case .object(let members) = self { members[name] } else { nil }
    }
}
