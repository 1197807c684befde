import AsyncHTTPClient
import BackchannelCore
import BackchannelTesting
import Foundation
import Testing

/// PostgreSQL stopped and started again under two running nodes: every request is accounted for.
@Suite("faults: PostgreSQL restarted under running nodes", .timeLimit(.minutes(2)),
    .enabled(if: BackchanneldProcess.isBuilt, "skipped: the backchanneld binary is not built beside the tests"),
    .enabled(if: TemporaryPostgresServer.binaryDirectory != nil, "skipped: PostgreSQL (initdb, pg_ctl) is not installed; .ci/run installs it"))
struct PostgresRestartTests {
    @Test("during the outage requests get a clean OAuth error, the nodes reconnect by themselves, and no request is lost or redeemed twice")
    func restartUnderTwoNodes() async throws {
        let directory = try ChildProcess.temporaryDirectory("pg-restart")
        defer {
            // A node that died leaves its last words in its log: shown, since the directory goes.
            for name in ["a", "b"] {
                let log = (try? String(contentsOf: directory.appendingPathComponent("\(name).log"), encoding: .utf8)) ?? ""
                if let crash = ["Fatal error", "Precondition failed", "Program crashed"].compactMap({ log.range(of: $0) }).first {
                    print("node \(name) log:\n\(log[crash.lowerBound...].prefix(3000))")
                }
            }
            try? FileManager.default.removeItem(at: directory)
        }
        let postgres = try await TemporaryPostgresServer.start()
        defer { postgres.stop() }
        let file = try DemoFlow.configuration(
            in: directory,
            preamble: """
                server: { issuer: "http://backchannel.test" }
                store: { kind: postgres, url: "\(try await postgres.makeDatabase())" }

                """,
            policy: "min_client_secret_length: 8, enforce_poll_interval: false", users: [("carol", "silent"), ("dave", "approve")])
        var nodes: [BackchanneldProcess] = []
        defer { nodes.forEach { $0.stop() } }
        for name in ["a", "b"] {
            nodes.append(try await BackchanneldProcess(
                arguments: ["--config", file.path, "--data-dir", directory.appendingPathComponent(name).path],
                log: directory.appendingPathComponent("\(name).log"), logLevel: "info"))
        }
        let (a, b) = (nodes[0], nodes[1])
        var pending: [String] = []
        var approved: [String] = []
        for index in 0..<6 { pending.append(try await DemoFlow.start(index.isMultiple(of: 2) ? a : b, "carol")) }
        for index in 0..<4 { approved.append(try await DemoFlow.start(index.isMultiple(of: 2) ? a : b, "dave")) }

        try await postgres.halt()
        // While the database is down: answers come, in bounded time, as OAuth errors with no detail of the fault.
        for node in [a, b] {
            let started = ContinuousClock.now
            let start = try await HTTPPeer.post(
                "\(node.baseURL)/backchannel/authentication", form: [("scope", "openid"), ("login_hint", "carol")], basic: DemoFlow.client)
            #expect(start.status == 500)
            #expect(start.json["error"] == .string("server_error"))
            let poll = try await DemoFlow.poll(node, pending[0])
            #expect(poll.status == 500)
            #expect(poll.json["error"] == .string("server_error"))
            #expect(!(start.text + poll.text).lowercased().contains("postgres"))
            #expect(ContinuousClock.now - started < .seconds(30))
        }

        try await postgres.resume()
        // Both nodes take requests again by themselves.
        for node in [a, b] {
            // Each node says when it is connected again.
            #expect(await node.output.waitFor("connected to PostgreSQL again"))
            let answer = try await HTTPPeer.post(
                "\(node.baseURL)/backchannel/authentication", form: [("scope", "openid"), ("login_hint", "carol")], basic: DemoFlow.client)
            #expect(answer.status == 200)
        }
        // Every request accepted before the outage is still there: carol's pending, dave's redeemed exactly once.
        for id in pending {
            #expect(try await DemoFlow.poll(b, id).json["error"] == .string("authorization_pending"))
        }
        for id in approved {
            let answers = [try await DemoFlow.poll(a, id), try await DemoFlow.poll(b, id)]
            #expect(answers.filter { $0.status == 200 }.count == 1)
            #expect(answers.filter { $0.json["error"] == .string("invalid_grant") }.count == 1)
        }
        // Neither node went down on the way (postgres-nio's own pool once crashed a node right after the restart).
        #expect(a.isRunning && b.isRunning)
    }
}
