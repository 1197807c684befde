import Foundation
import Testing

/// `Examples/CallCenterConsole` takes its provider from flags, so it runs against a server on any port,
/// and `--help` is help, not a user named "--help".
@Suite("the call-centre console example", .timeLimit(.minutes(1)))
struct CallCenterConsoleTests {
    static let executable = BackchanneldProcess.builtExecutable("CallCenterConsole")
    static var isBuilt: Bool { FileManager.default.isExecutableFile(atPath: executable.path) }

    /// Runs the console to its end, with no BACKCHANNEL_ variable to point it elsewhere.
    private func console(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await ChildProcess.run(
            Self.executable, arguments, environment: ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("BACKCHANNEL_") })
    }

    @Test("--help prints the usage with the provider flags and exits 0", .enabled(if: isBuilt, "skipped: CallCenterConsole is not built"))
    func help() async throws {
        let (status, output) = try await console(["--help"])
        #expect(status == 0)
        #expect(output.contains("--issuer <issuer>"))
        #expect(output.contains("--client-id <client-id>"))
        #expect(!output.contains("Asking"))
    }

    @Test("--issuer, --client-id and --client-secret point it at a server on another port, which verifies the caller",
        .enabled(if: isBuilt && BackchanneldProcess.isBuilt, "skipped: the executables are not built"))
    func otherProvider() async throws {
        let directory = try ChildProcess.temporaryDirectory("console")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("backchannel.yaml")
        try """
            policy: { interval: 1 }
            clients:
              - { client_id: agent-desk, client_secret: agent-desk-secret-0001 }
            authenticators:
              - { plugin: mock-push, configuration: { users: { dora: { action: approve } } } }
            users:
              - { subject: dora }
            """.write(to: file, atomically: true, encoding: .utf8)
        let node = try await BackchanneldProcess(
            arguments: ["--config", file.path, "--data-dir", directory.path], log: directory.appendingPathComponent("log"))
        defer { node.stop() }

        let (status, output) = try await console([
            "dora", "--issuer", node.baseURL, "--client-id", "agent-desk", "--client-secret", "agent-desk-secret-0001",
        ])
        #expect(status == 0, "\(output)")
        #expect(output.contains("Verified caller: dora"))
    }
}
