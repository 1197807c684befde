import Foundation
import Testing

/// `Examples/CallCenterConsole` takes its provider from flags, so it runs against a server on any port,
/// and `--help` is help, not a user named "--help".
@Suite("the call-centre console example", .timeLimit(.minutes(1)))
struct CallCenterConsoleTests {
    static let executable = BackchanneldProcess.builtExecutable("CallCenterConsole")
    static var isBuilt: Bool { FileManager.default.isExecutableFile(atPath: executable.path) }

    /// Runs the console to its end. - Returns: its exit status and everything it printed.
    private func console(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("BACKCHANNEL_") }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return await withCheckedContinuation { continuation in
            Thread {
                let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                continuation.resume(returning: (process.terminationStatus, output))
            }.start()
        }
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
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("console-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
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
