import BackchannelCore
import BackchannelTesting
import Foundation
import Testing

@Suite("backchanneld processes: crash recovery and several nodes", .serialized, .timeLimit(.minutes(3)))
struct ProcessTests {
    private func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("backchanneld-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test("kill -9 mid-flow, restart on the same SQLite directory: the same auth_req_id completes and the key is the same",
        .enabled(if: BackchanneldProcess.isBuilt, "skipped: the backchanneld binary is not built beside the tests"))
    func crashRecovery() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let arguments = ["--data-dir", directory.appendingPathComponent("data").path]
        let log = directory.appendingPathComponent("log")

        let first = try await BackchanneldProcess(arguments: arguments, log: log)
        let keysBefore = try await HTTPPeer.get("\(first.baseURL)/jwks").text
        let carol = try await DemoFlow.start(first, "carol")
        let alice = try await DemoFlow.start(first, "alice")  // approves 2 s after the start, crash or no crash
        #expect(try await DemoFlow.poll(first, carol).json["error"] == .string("authorization_pending"))
        first.crash()

        let second = try await BackchanneldProcess(arguments: arguments, log: log)
        defer { second.stop() }
        #expect(try await HTTPPeer.get("\(second.baseURL)/jwks").text == keysBefore)
        try await DemoFlow.approveOnPage(second, user: "carol")
        let tokens = try await DemoFlow.poll(second, carol)
        #expect(tokens.status == 200)
        #expect(tokens.json["id_token"] != nil)
        // alice's scripted answer is due at a wall-clock instant kept with her request; the process that timed it
        // was killed, so nothing happens in the new one before that instant: the test lets the instant pass.
        try await Task.sleep(for: .seconds(2))
        #expect(try await DemoFlow.poll(second, alice).status == 200)
    }

    /// A configuration on a new database of the shared test PostgreSQL, with the demo client and carol
    /// (who never answers), written into `directory`.
    static func postgresConfiguration(in directory: URL) async throws -> URL {
        let url = try await TemporaryPostgresServer.shared().makeDatabase()
        return try DemoFlow.configuration(
            in: directory,
            preamble: """
                server: { issuer: "http://backchannel.test" }
                store: { kind: postgres, url: "\(url)" }

                """,
            policy: "min_client_secret_length: 8", users: [("carol", "silent")])
    }

    @Test("three processes on one PostgreSQL behave as one server: start on A, approve via B, redeem on C; 50 racing polls, one winner",
        .enabled(if: BackchanneldProcess.isBuilt, "skipped: the backchanneld binary is not built beside the tests"),
        .enabled(if: TemporaryPostgresServer.binaryDirectory != nil, "skipped: PostgreSQL (initdb, pg_ctl) is not installed; .ci/run installs it"))
    func threeNodes() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = try await Self.postgresConfiguration(in: directory)
        var nodes: [BackchanneldProcess] = []
        defer { nodes.forEach { $0.stop() } }
        for name in ["a", "b", "c"] {
            nodes.append(
                try await BackchanneldProcess(
                    arguments: ["--config", file.path, "--data-dir", directory.appendingPathComponent(name).path],
                    log: directory.appendingPathComponent("\(name).log")))
        }
        let (a, b, c) = (nodes[0], nodes[1], nodes[2])
        let keys = try await [a, b, c].asyncMap { try await HTTPPeer.get("\($0.baseURL)/jwks").text }
        #expect(Set(keys).count == 1)

        let first = try await DemoFlow.start(a, "carol")
        try await DemoFlow.approveOnPage(b, user: "carol")
        let tokens = try await DemoFlow.poll(c, first)
        #expect(tokens.status == 200)
        #expect(try await DemoFlow.poll(a, first).json["error"] == .string("invalid_grant"))

        let raced = try await DemoFlow.start(a, "carol")
        try await DemoFlow.approveOnPage(b, user: "carol")
        let statuses = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
            for index in 0..<50 {
                let node = nodes[index % 3]
                group.addTask {
                    let answer = try await DemoFlow.poll(node, raced)
                    return (answer.status, answer.json["error"]?.stringValue)
                }
            }
            return try await group.reduce(into: [(Int, String?)]()) { $0.append($1) }
        }
        #expect(statuses.filter { $0.0 == 200 }.count == 1)
        #expect(statuses.filter { $0.1 == "invalid_grant" }.count == 49)
    }

    @Test("SIGTERM on a PostgreSQL node closes its connection pool, a service under the host's lifecycle, and exits 0",
        .enabled(if: BackchanneldProcess.isBuilt, "skipped: the backchanneld binary is not built beside the tests"),
        .enabled(if: TemporaryPostgresServer.binaryDirectory != nil, "skipped: PostgreSQL (initdb, pg_ctl) is not installed; .ci/run installs it"))
    func postgresNodeStopsCleanly() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = try await Self.postgresConfiguration(in: directory)
        let log = directory.appendingPathComponent("node.log")
        let node = try await BackchanneldProcess(arguments: ["--config", file.path, "--data-dir", directory.path], log: log)
        defer { node.stop() }
        let id = try await DemoFlow.start(node, "carol")
        #expect(try await DemoFlow.poll(node, id).json["error"] == .string("authorization_pending"))

        #expect(await node.terminate() == 0)
        let output = try String(contentsOf: log, encoding: .utf8)
        #expect(!output.contains("error"), "\(output)")
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
