import BackchannelCore
import BackchannelTesting
import Foundation
import Testing

/// Ping and push over real HTTP between real processes: retries, an endpoint that is down for a while,
/// a server killed before delivery, two nodes on one PostgreSQL.
@Suite("ping and push delivery between processes", .serialized, .timeLimit(.minutes(3)),
    .enabled(if: BackchanneldProcess.isBuilt, "skipped: the backchanneld binary is not built beside the tests"))
struct NotificationDeliveryTests {
    static let secret = "rp-secret-000000001"

    private func configuration(mode: String, endpoint: String, store: String = "") -> String {
        """
        server: { issuer: "http://backchannel.test" }
        \(store)
        policy: { allow_insecure_loopback_notifications: true, min_client_secret_length: 8 }
        clients:
          - { client_id: rp, client_secret: \(Self.secret), backchannel_token_delivery_mode: \(mode),
              backchannel_client_notification_endpoint: "\(endpoint)" }
        authenticators:
          - { plugin: mock-push, configuration: { users: { alice: { action: approve, after_seconds: 1 }, bob: { action: deny, after_seconds: 1 } } } }
        users:
          - { subject: alice }
          - { subject: bob }
        """
    }

    private func directory() throws -> URL {
        try ChildProcess.temporaryDirectory("notify")
    }

    private func node(_ directory: URL, _ yaml: String, name: String = "node", data: String = "data") async throws -> BackchanneldProcess {
        let file = directory.appendingPathComponent("\(name).yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        return try await BackchanneldProcess(
            arguments: ["--config", file.path, "--data-dir", directory.appendingPathComponent(data).path],
            log: directory.appendingPathComponent("\(name).log"), logLevel: "info")
    }

    private func start(_ node: BackchanneldProcess, user: String = "alice") async throws -> String {
        let answer = try await HTTPPeer.post(
            "\(node.baseURL)/backchannel/authentication",
            form: [("scope", "openid"), ("login_hint", user), ("client_notification_token", "notify-me-0123456789")],
            basic: ("rp", Self.secret))
        return try #require(answer.json["auth_req_id"]?.stringValue, "\(answer.text)")
    }

    @Test("ping: an endpoint that answers 500 twice gets the notification on the third attempt, with the bearer token; then tokens")
    func retriedUntilAccepted() async throws {
        let directory = try directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let receiver = NotificationReceiver(port: try LoopbackPort.free(), statuses: [500, 500])
        let server = try await node(directory, configuration(mode: "ping", endpoint: receiver.url))
        defer { server.stop() }
        try await receiver.serve(stopping: [server]) {
            let id = try await start(server)
            await receiver.waitFor(1)
            #expect(receiver.attemptCount == 3)
            #expect(receiver.received.map(\.json) == [["auth_req_id": .string(id)]])
            #expect(receiver.received.first?.authorization == "Bearer notify-me-0123456789")
            // The node counts an attempt when its answer arrives, which can be just after the receiver noted it:
            // it logs the delivery once counted.
            #expect(await server.output.waitFor("notification delivered"))
            let metrics = try await HTTPPeer.get("\(server.operationsURL)/metrics").text
            #expect(metrics.contains(#"backchannel_notifications_total{outcome="retried"} 2"#), "\(metrics)")
            #expect(metrics.contains(#"backchannel_notifications_total{outcome="delivered"} 1"#))
            let tokens = try await HTTPPeer.post(
                "\(server.baseURL)/token", form: [("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", id)], basic: ("rp", Self.secret))
            #expect(tokens.status == 200)
        }
    }

    @Test("ping: an endpoint that is down for a while receives the notification once it is back")
    func endpointDownThenUp() async throws {
        let directory = try directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let receiver = NotificationReceiver(port: try LoopbackPort.free())
        let server = try await node(directory, configuration(mode: "ping", endpoint: receiver.url))
        defer { server.stop() }
        let id = try await start(server)
        // Concluded, and refused at least once (nothing listens yet).
        #expect(await server.output.waitFor("notification attempt failed; retrying"))
        try await receiver.serve(stopping: [server]) {
            await receiver.waitFor(1)
        }
        #expect(receiver.received.map(\.json) == [["auth_req_id": .string(id)]])
        let log = try String(contentsOf: directory.appendingPathComponent("node.log"), encoding: .utf8)
        #expect(log.contains("notification attempt failed; retrying"))
        #expect(!log.contains("notify-me-0123456789"), "the bearer token is never logged")
    }

    @Test("push: a server killed with -9 before delivering sends the tokens after its restart")
    func deliveredAfterCrash() async throws {
        let directory = try directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let receiver = NotificationReceiver(port: try LoopbackPort.free())
        let yaml = configuration(mode: "push", endpoint: receiver.url)
        let first = try await node(directory, yaml)
        let id = try await start(first)
        // Approved, and the push refused once (the endpoint is down): the tokens wait in the outbox.
        #expect(await first.output.waitFor("notification attempt failed; retrying"))
        first.crash()
        let second = try await node(directory, yaml, name: "restarted")
        defer { second.stop() }
        try await receiver.serve(stopping: [second]) {
            await receiver.waitFor(1)
        }
        let pushed = try #require(receiver.received.first?.json)
        #expect(pushed["auth_req_id"] == .string(id))
        #expect(pushed["id_token"] != nil)
        #expect(receiver.received.count == 1)
    }

    @Test("a redirect is not followed: the notification fails at once, and nothing reaches the redirect's target")
    func redirectNotFollowed() async throws {
        let directory = try directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let receiver = NotificationReceiver(port: try LoopbackPort.free(), statuses: [307])
        let server = try await node(directory, configuration(mode: "ping", endpoint: receiver.url))
        defer { server.stop() }
        try await receiver.serve(stopping: [server]) {
            _ = try await start(server)
            // The node gives up at once: a failed delivery is final.
            #expect(await server.output.waitFor("notification delivery failed"))
        }
        // The node has stopped: what the receiver saw is all that came.
        #expect(receiver.attemptCount == 1)
        #expect(receiver.redirectedCount == 0)
    }

    @Test("push: a denial arrives as access_denied naming the request")
    func pushedDenial() async throws {
        let directory = try directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let receiver = NotificationReceiver(port: try LoopbackPort.free())
        let server = try await node(directory, configuration(mode: "push", endpoint: receiver.url))
        defer { server.stop() }
        try await receiver.serve(stopping: [server]) {
            let id = try await start(server, user: "bob")
            await receiver.waitFor(1)
            #expect(receiver.received.first?.json["error"] == .string("access_denied"))
            #expect(receiver.received.first?.json["auth_req_id"] == .string(id))
        }
    }

    @Test("two nodes on one PostgreSQL deliver each notification once",
        .enabled(if: TemporaryPostgresServer.binaryDirectory != nil, "skipped: PostgreSQL is not installed; .ci/run installs it"))
    func twoNodesDeliverOnce() async throws {
        let directory = try directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = try await TemporaryPostgresServer.shared().makeDatabase()
        let receiver = NotificationReceiver(port: try LoopbackPort.free())
        let yaml = configuration(mode: "ping", endpoint: receiver.url, store: "store: { kind: postgres, url: \"\(url)\" }")
        let a = try await node(directory, yaml, name: "a", data: "a")
        defer { a.stop() }
        let b = try await node(directory, yaml, name: "b", data: "b")
        defer { b.stop() }
        let ids = try await receiver.serve(stopping: [a, b]) {
            var ids: [String] = []
            for index in 0..<12 { ids.append(try await start(index.isMultiple(of: 2) ? a : b)) }
            await receiver.waitFor(12)
            return ids
        }
        // Both nodes have stopped: a duplicate would be here.
        let delivered = receiver.received.compactMap { $0.json["auth_req_id"]?.stringValue }
        #expect(delivered.count == 12)
        #expect(Set(delivered) == Set(ids))
    }
}
