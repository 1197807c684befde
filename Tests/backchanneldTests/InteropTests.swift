import Crypto
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

    static let privateKeyJWTScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Interop/ciba_private_key_jwt_check.py")

    @Test("authlib signs private_key_jwt client assertions for a whole CIBA flow: the request, the polls, the redemption; its ID token verifies",
        .enabled(if: BackchanneldProcess.isBuilt, "skipped: the backchanneld binary is not built beside the tests"),
        .enabled(if: authlibInstalled, "skipped: python3 with authlib is not installed; .ci/run installs it"))
    func authlibPrivateKeyJWT() async throws {
        let directory = try ChildProcess.temporaryDirectory("interop-jwt")
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = P256.Signing.PrivateKey()
        let keyFile = directory.appendingPathComponent("bank.pem")
        try key.pemRepresentation.write(to: keyFile, atomically: true, encoding: .utf8)
        let raw = key.publicKey.rawRepresentation
        func b64url(_ bytes: Data) -> String {
            bytes.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        let file = directory.appendingPathComponent("backchannel.yaml")
        try """
            policy: { interval: 1, enforce_poll_interval: false }
            clients:
              - client_id: bank
                token_endpoint_auth_methods: [private_key_jwt]
                jwks: { keys: [{ kty: EC, crv: P-256, kid: bank-1, x: "\(b64url(raw.prefix(32)))", y: "\(b64url(raw.suffix(32)))" }] }
            authenticators:
              - { plugin: mock-push, configuration: { users: { alice: { action: approve } } } }
            users:
              - { subject: alice }
            """.write(to: file, atomically: true, encoding: .utf8)
        let node = try await BackchanneldProcess(
            arguments: ["--config", file.path, "--data-dir", directory.appendingPathComponent("data").path], log: directory.appendingPathComponent("log"))
        defer { node.stop() }
        let (status, output) = try await ChildProcess.python([Self.privateKeyJWTScript.path, node.baseURL, "bank", keyFile.path, "bank-1", "alice"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("5 passed, 0 failed"), "\(output)")
    }
}
