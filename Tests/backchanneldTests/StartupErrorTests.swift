import BackchannelTesting
import Foundation
import Testing

@testable import BackchannelHost

/// Start-up errors a person can act on: where, why, and what to pass; said alone, with exit status 78.
@Suite("start-up errors", .serialized,
    .enabled(if: BackchanneldProcess.isBuilt, "skipped: the backchanneld binary is not built beside the tests"))
struct StartupErrorTests {
    /// Runs backchanneld to its exit: the status and everything it printed.
    private func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await ChildProcess.run(BackchanneldProcess.executable, arguments + ["--operations-port", "\(try LoopbackPort.free())"])
    }

    private func temporaryDirectory() throws -> URL {
        try ChildProcess.temporaryDirectory("startup")
    }

    @Test("a port in use names the address and port, suggests --port, exits 78 and creates nothing")
    func portInUse() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let node = try await BackchanneldProcess(arguments: ["--data-dir", directory.appendingPathComponent("first").path], log: directory.appendingPathComponent("log"))
        defer { node.stop() }
        let dataDirectory = directory.appendingPathComponent("second")
        let (status, output) = try await run(["--port", "\(node.port)", "--data-dir", dataDirectory.path])
        #expect(status == 78)
        #expect(output.contains("127.0.0.1:\(node.port)"))
        #expect(output.contains("--port"))
        #expect(!output.contains("Usage:"))
        #expect(!FileManager.default.fileExists(atPath: dataDirectory.path))
    }

    @Test("a YAML syntax error gives line, column and the parser's reason, alone, with exit status 78")
    func yamlSyntax() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("bad.yaml")
        try "server:\n  port: 8080\n clients: [\n".write(to: file, atomically: true, encoding: .utf8)
        let (status, output) = try await run(["--config", file.path, "--port", "0"])
        #expect(status == 78)
        #expect(output.contains("line 3, column"))
        #expect(!output.contains("Usage:"))
    }

    @Test("an unwritable data directory is named, with what to pass")
    func unwritableDataDirectory() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // A file where the data directory's parent should be: no user can create the directory, root included.
        let blocker = directory.appendingPathComponent("not-a-directory")
        _ = FileManager.default.createFile(atPath: blocker.path, contents: Data())
        let (status, output) = try await run(["--data-dir", blocker.appendingPathComponent("data").path, "--port", "0"])
        #expect(status == 78)
        #expect(output.contains(blocker.appendingPathComponent("data").path))
        #expect(output.contains("--data-dir"))
    }
}

/// `Examples/minimal.yaml` runs as it is.
@Suite("the minimal example configuration", .enabled(if: BackchanneldProcess.isBuilt, "skipped: the backchanneld binary is not built beside the tests"))
struct MinimalExampleTests {
    @Test("it serves, and its client starts a request for alice")
    func runsAsIs() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("minimal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Examples/minimal.yaml")
        let node = try await BackchanneldProcess(
            arguments: ["--config", file.path, "--data-dir", directory.appendingPathComponent("data").path], log: directory.appendingPathComponent("log"))
        defer { node.stop() }
        let started = try await HTTPPeer.post(
            "\(node.baseURL)/backchannel/authentication", form: [("scope", "openid"), ("login_hint", "alice")], basic: ("console", "change-this-secret-now"))
        #expect(started.status == 200)
        #expect(started.json["auth_req_id"] != nil)
    }
}
