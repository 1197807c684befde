import Foundation
import Testing

/// The server as a strict OpenID Connect library from another ecosystem sees it: authlib (Python)
/// validates the discovery document, verifies the ID token and reads UserInfo.
@Suite("interoperability with a Python OpenID Connect library", .timeLimit(.minutes(1)))
struct InteropTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Interop/oidc_client_check.py")

    /// Whether python3 with authlib is on this machine (`.ci/run` installs it).
    static let authlibInstalled: Bool = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import authlib"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()

    @Test("authlib accepts the discovery document, verifies the ID token (at_hash included), and reads UserInfo's claims",
        .enabled(if: BackchanneldProcess.isBuilt, "skipped: the backchanneld binary is not built beside the tests"),
        .enabled(if: authlibInstalled, "skipped: python3 with authlib is not installed; .ci/run installs it"))
    func authlibClient() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("interop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("backchannel.yaml")
        try """
            policy: { interval: 1 }
            clients:
              - { client_id: rp, client_secret: rp-secret-000000001 }
            authenticators:
              - { plugin: mock-push, configuration: { users: { alice: { action: approve } } } }
            users:
              - subject: alice
                email: alice@example.com
                attributes: { name: Alice Liddell, email_verified: true }
            """.write(to: file, atomically: true, encoding: .utf8)
        let node = try await BackchanneldProcess(
            arguments: ["--config", file.path, "--data-dir", directory.appendingPathComponent("data").path], log: directory.appendingPathComponent("log"))
        defer { node.stop() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-W", "ignore", Self.script.path, node.baseURL, "rp", "rp-secret-000000001", "alice"]
        // Plain http on loopback: authlib insists on https otherwise.
        process.environment = ProcessInfo.processInfo.environment.merging(["AUTHLIB_INSECURE_TRANSPORT": "1"]) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output: String = await withCheckedContinuation { continuation in
            Thread {
                let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                continuation.resume(returning: text)
            }.start()
        }
        #expect(process.terminationStatus == 0, "\(output)")
        #expect(output.contains("12 passed, 0 failed"), "\(output)")
    }
}
