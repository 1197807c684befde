import Foundation
import Testing

/// The server as a strict OpenID Connect library from another ecosystem sees it: authlib (Python)
/// validates the discovery document, verifies the ID token and reads UserInfo.
@Suite("interoperability with a Python OpenID Connect library", .timeLimit(.minutes(1)))
struct InteropTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Interop/oidc_client_check.py")

    /// Whether python3 with authlib is on this machine (`.ci/run` installs it).
    static let authlibInstalled = ChildProcess.succeeds("python3 -c 'import authlib'")

    @Test("authlib accepts the discovery document, verifies the ID token (at_hash included), and reads UserInfo's claims",
        .enabled(if: BackchanneldProcess.isBuilt, "skipped: the backchanneld binary is not built beside the tests"),
        .enabled(if: authlibInstalled, "skipped: python3 with authlib is not installed; .ci/run installs it"))
    func authlibClient() async throws {
        let directory = try ChildProcess.temporaryDirectory("interop")
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

        // Plain http on loopback: authlib insists on https otherwise.
        let (status, output) = try await ChildProcess.python(
            [Self.script.path, node.baseURL, "rp", "rp-secret-000000001", "alice"], environment: ["AUTHLIB_INSECURE_TRANSPORT": "1"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("12 passed, 0 failed"), "\(output)")
    }
}
