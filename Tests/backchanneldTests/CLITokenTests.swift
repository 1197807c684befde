import BackchannelCore
import BackchannelTesting
import Foundation
import Testing

/// `backchannel` after the login: userinfo, introspection, a refresh and its reuse refused, a revocation; and the
/// device file it will not overwrite. Each command run as a user runs it, against a real server.
@Suite("the backchannel CLI's token commands", .timeLimit(.minutes(1)))
struct CLITokenTests {
    static let cli = BackchanneldProcess.builtExecutable("backchannel")
    static var isBuilt: Bool { FileManager.default.isExecutableFile(atPath: cli.path) && BackchanneldProcess.isBuilt }
    static let secret = "rp-secret-000000000042"

    private func backchannel(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await ChildProcess.run(Self.cli, arguments, environment: ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("BACKCHANNEL_") })
    }

    /// The JSON object a command printed (the last `{` … `}` block of its output).
    private func json(_ output: String) throws -> [String: JSONValue] {
        let start = try #require(output.range(of: "{\n"))
        let end = try #require(output.range(of: "\n}", options: .backwards))
        return try JSONDecoder().decode([String: JSONValue].self, from: Data(output[start.lowerBound..<end.upperBound].utf8))
    }

    @Test("login with offline_access, then userinfo, introspect, refresh, a refused reuse, revoke, and introspect again",
        .enabled(if: isBuilt, "skipped: the executables are not built"))
    func tokenCommands() async throws {
        let directory = try ChildProcess.temporaryDirectory("cli-tokens")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("backchannel.yaml")
        try """
            policy: { interval: 1 }
            clients:
              - { client_id: rp, client_secret: \(Self.secret), grant_types: [urn:openid:params:grant-type:ciba, refresh_token], scopes: [openid, email, offline_access] }
            authenticators:
              - { plugin: mock-push, configuration: { users: { alice: { action: approve } } } }
            users:
              - { subject: alice, email: alice@example.com }
            """.write(to: file, atomically: true, encoding: .utf8)
        let node = try await BackchanneldProcess(
            arguments: ["--config", file.path, "--data-dir", directory.appendingPathComponent("data").path], log: directory.appendingPathComponent("log"))
        defer { node.stop() }
        let client = ["--issuer", node.baseURL, "--client-id", "rp", "--client-secret", Self.secret]

        let login = try await backchannel(["login"] + client + ["--login-hint", "alice", "--scope", "openid email offline_access"])
        #expect(login.status == 0, "\(login.output)")
        let tokens = try json(login.output)
        let access = try #require(tokens["access_token"]?.stringValue)
        let refresh = try #require(tokens["refresh_token"]?.stringValue)

        let userinfo = try await backchannel(["userinfo"] + client + ["--access-token", access])
        #expect(try json(userinfo.output)["email"] == .string("alice@example.com"), "\(userinfo.output)")
        let introspected = try await backchannel(["token", "introspect"] + client + ["--token", access])
        #expect(try json(introspected.output)["active"] == .bool(true), "\(introspected.output)")
        let refreshed = try await backchannel(["token", "refresh"] + client + ["--refresh-token", refresh])
        #expect(refreshed.status == 0, "\(refreshed.output)")
        #expect(try json(refreshed.output)["refresh_token"]?.stringValue != refresh)
        let reused = try await backchannel(["token", "refresh"] + client + ["--refresh-token", refresh])
        #expect(reused.status == 4 && reused.output.contains("invalid_grant"), "\(reused.output)")
        let revoked = try await backchannel(["token", "revoke"] + client + ["--token", access])
        #expect(revoked.status == 0 && revoked.output.contains("revoked"), "\(revoked.output)")
        let after = try await backchannel(["token", "introspect"] + client + ["--token", access])
        #expect(try json(after.output)["active"] == .bool(false), "\(after.output)")
    }

    @Test("device enroll will not overwrite a device file without --force", .enabled(if: isBuilt, "skipped: the executables are not built"))
    func enrollKeepsTheDeviceFile() async throws {
        let directory = try ChildProcess.temporaryDirectory("cli-device")
        defer { try? FileManager.default.removeItem(at: directory) }
        let deviceFile = directory.appendingPathComponent("device.json")
        try "{\"kept\": true}".write(to: deviceFile, atomically: true, encoding: .utf8)
        let refused = try await backchannel(["device", "enroll", "--issuer", "http://127.0.0.1:1", "--code", "x", "--device-file", deviceFile.path])
        #expect(refused.status != 0 && refused.output.contains("--force"), "\(refused.output)")
        #expect(try String(contentsOf: deviceFile, encoding: .utf8) == "{\"kept\": true}")
    }
}
