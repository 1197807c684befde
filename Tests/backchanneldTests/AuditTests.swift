import BackchannelCore
import BackchannelServer
import Foundation
import Testing

/// The audit trail and the log formats of a real process.
@Suite("audit events and logs", .timeLimit(.minutes(1)),
    .enabled(if: BackchanneldProcess.isBuilt, "skipped: the backchanneld binary is not built beside the tests"))
struct AuditTests {
    private func node(in directory: URL, audit: String = "", format: String = "json") async throws -> (BackchanneldProcess, URL) {
        let file = directory.appendingPathComponent("backchannel.yaml")
        try """
            \(audit)
            policy: { min_client_secret_length: 8 }
            clients:
              - { client_id: demo-client, client_secret: demo-secret }
            authenticators:
              - { plugin: mock-push, configuration: { users: { "alice@example.org": { action: approve }, "bob@example.org": { action: deny } } } }
            users:
              - { subject: "alice@example.org" }
              - { subject: "bob@example.org" }
            """.write(to: file, atomically: true, encoding: .utf8)
        let log = directory.appendingPathComponent("log")
        let server = try await BackchanneldProcess(
            arguments: ["--config", file.path, "--data-dir", directory.appendingPathComponent("data").path, "--log-format", format],
            log: log, logLevel: "info")
        return (server, log)
    }

    /// The JSON objects of the log's lines that are audit events, in order.
    private func events(_ log: URL) throws -> [[String: JSONValue]] {
        try String(contentsOf: log, encoding: .utf8).split(separator: "\n").filter { $0.hasPrefix("{") }.map { line in
            try JSONDecoder().decode([String: JSONValue].self, from: Data(line.utf8))
        }.filter { $0["label"] == .string("backchannel.audit") }
    }

    /// Waits until the server has written `count` audit events named `name`; returns those in the log.
    private func waitFor(_ count: Int, _ name: String, from server: BackchanneldProcess, in log: URL) async throws -> [[String: JSONValue]] {
        #expect(await server.output.waitFor("\"event\":\"\(name)\"", count: count))
        return try events(log).filter { $0["event"] == .string(name) }
    }

    @Test("each state change is one JSON event at info, labelled with the request's hash, the subject only as a keyed hash")
    func stateChanges() async throws {
        let directory = try ChildProcess.temporaryDirectory("audit")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (server, log) = try await node(in: directory)
        defer { server.stop() }
        let approved = try await DemoFlow.start(server, "alice@example.org")
        let denied = try await DemoFlow.start(server, "bob@example.org")
        // Both scripted answers come on the server's own timer, each recorded as it comes.
        let concluded = try await waitFor(2, "request.concluded", from: server, in: log)
        #expect(try await DemoFlow.poll(server, approved).status == 200)
        _ = try await DemoFlow.poll(server, denied)

        let started = try await waitFor(2, "request.started", from: server, in: log)
        let redeemed = try await waitFor(1, "request.redeemed", from: server, in: log)
        #expect(started.count == 2 && concluded.count == 2 && redeemed.count == 1)
        let hash = "\(AuthReqId(rawValue: BackchannelEngine.authReqIdHash(approved)))"
        let approvedStart = try #require(started.first { $0["auth_req_id_sha256"] == .string(hash) })
        #expect(approvedStart["level"] == .string("info"))
        #expect(approvedStart["client_id"] == .string("demo-client"))
        #expect(approvedStart["authenticator"] == .string("mock-push"))
        #expect(approvedStart["acr"] == .string("mock-push"))
        #expect(approvedStart["subject_hmac"]?.stringValue?.count == 32)
        #expect(Set(concluded.compactMap { $0["outcome"]?.stringValue }) == ["approved", "denied"])
        #expect(concluded.allSatisfy { $0["seconds_to_conclusion"] != nil })
        #expect(redeemed.first?["auth_req_id_sha256"] == .string(hash))
        // Neither the subjects nor the auth_req_id the client holds are anywhere in the log.
        let text = try String(contentsOf: log, encoding: .utf8)
        #expect(!text.contains("alice@example.org") && !text.contains("bob@example.org"))
        #expect(!text.contains(approved) && !text.contains(denied))
    }

    @Test("with audit.subjects: plain the subject is written as it is")
    func plainSubjects() async throws {
        let directory = try ChildProcess.temporaryDirectory("audit-plain")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (server, log) = try await node(in: directory, audit: "audit: { subjects: plain }")
        defer { server.stop() }
        _ = try await DemoFlow.start(server, "alice@example.org")
        let started = try await waitFor(1, "request.started", from: server, in: log)
        #expect(started.first?["subject"] == .string("alice@example.org"))
        #expect(started.first?["subject_hmac"] == nil)
    }

    @Test("client authentication failures are warnings naming only registered clients, at most 20 per 10 s for each, the rest counted")
    func failuresRateLimited() async throws {
        let directory = try ChildProcess.temporaryDirectory("audit-failures")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (server, log) = try await node(in: directory)
        defer { server.stop() }
        let first = try await HTTPPeer.post(
            "\(server.baseURL)/backchannel/authentication", form: [("scope", "openid"), ("login_hint", "alice@example.org")],
            basic: ("demo-client", "wrong-secret"))
        #expect(first.status == 401)
        let started = ContinuousClock.now
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<29 {
                group.addTask {
                    try await HTTPPeer.post(
                        "\(server.baseURL)/backchannel/authentication", form: [("scope", "openid"), ("login_hint", "alice@example.org")],
                        basic: ("intruder\n{\"forged\":1}", "x")).status
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        let elapsed = ContinuousClock.now - started
        #expect(statuses.allSatisfy { $0 == 401 })
        let failures = try await waitFor(21, "client.authentication_failed", from: server, in: log)
        // Every refusal was written before its answer: a request started after them all is written after them
        // all, so once its event is in, any 22nd failure event would be too.
        _ = try await DemoFlow.start(server, "alice@example.org")
        _ = try await waitFor(1, "request.started", from: server, in: log)
        // All 30 within one ten-second window (as they are unless the machine is swamped): demo-client's one,
        // and 20 of the 29 that named no registered client; the budgets are per client.
        if elapsed < .seconds(9) {
            #expect(try events(log).filter { $0["event"] == .string("client.authentication_failed") }.count == 21)
        }
        #expect(failures.allSatisfy { $0["level"] == .string("warning") })
        #expect(failures.first?["client_id"] == .string("demo-client"))
        #expect(failures.dropFirst().allSatisfy { $0["client_id"] == .string("unknown") })
        #expect(!(try String(contentsOf: log, encoding: .utf8)).contains("forged"))
    }

    @Test("with --config, start-up prints the issuer, listeners, store file, clients and authenticators, and no secret; text logs stay text")
    func startupSummary() async throws {
        let directory = try ChildProcess.temporaryDirectory("summary")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (server, log) = try await node(in: directory, format: "text")
        defer { server.stop() }
        // The summary is printed as one write once the server runs, which is what the start waited for.
        #expect(await server.output.waitFor("Authenticators:"))
        let text = try String(contentsOf: log, encoding: .utf8)
        #expect(text.contains("Issuer:         http://127.0.0.1:\(server.port)"))
        #expect(text.contains("Listening on:   127.0.0.1:\(server.port)"))
        #expect(text.contains("Operations:     \(server.operationsURL) (/metrics, /healthz, /readyz)"))
        #expect(text.contains("Store:          SQLite at \(directory.appendingPathComponent("data/backchannel.sqlite").path)"))
        #expect(text.contains("Signing keys:   generated (ES256, RS256), kept in the SQLite file"))
        #expect(text.contains("Clients:        demo-client (poll)"))
        #expect(text.contains("Authenticators: mock-push (mock-push)"))
        #expect(!text.contains("demo-secret"))
        #expect(!text.contains("{\"label\""))
    }
}

