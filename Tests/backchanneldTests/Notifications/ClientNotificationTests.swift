import BackchannelClient
import BackchannelClientHummingbird
import BackchannelCore
import BackchannelTesting
import Foundation
import Hummingbird
import Logging
import Testing

/// The relying party's side of ping and push: `BackchannelClient` with a `NotificationInbox` served by
/// the Hummingbird helper, and `backchannel login --ping-listen`, against a real `backchanneld`.
@Suite("ping and push clients", .serialized, .timeLimit(.minutes(2)),
    .enabled(if: BackchanneldProcess.isBuilt, "skipped: the backchanneld binary is not built beside the tests"))
struct ClientNotificationTests {
    static let secret = "rp-secret-000000001"

    /// A provider whose client `rp` is registered in `mode` with its endpoint on `port`.
    private func provider(mode: String, port: Int, in directory: URL) async throws -> BackchanneldProcess {
        let file = directory.appendingPathComponent("backchannel.yaml")
        try """
            policy: { allow_insecure_loopback_notifications: true, min_client_secret_length: 8 }
            clients:
              - { client_id: rp, client_secret: \(Self.secret), backchannel_token_delivery_mode: \(mode),
                  backchannel_client_notification_endpoint: "http://127.0.0.1:\(port)/" }
            authenticators:
              - { plugin: mock-push, configuration: { users: { alice: { action: approve, after_seconds: 1 }, bob: { action: deny, after_seconds: 1 } } } }
            users:
              - { subject: alice }
              - { subject: bob }
            """.write(to: file, atomically: true, encoding: .utf8)
        return try await BackchanneldProcess(
            arguments: ["--config", file.path, "--data-dir", directory.appendingPathComponent("data").path], log: directory.appendingPathComponent("log"))
    }

    /// Runs `body` with `inbox` served on `port`; then stops `server` (waiting for its exit) before the inbox
    /// stops, so no repeat delivery under way reaches a listener that is shutting down.
    private func serving<T: Sendable>(
        _ inbox: NotificationInbox, port: Int, stopping server: BackchanneldProcess, _ body: () async throws -> T
    ) async throws -> T {
        let router = Router()
        inbox.addRoute(to: router)
        return try await LoopbackHTTPServer.serve(router, port: port, label: "rp") {
            let result = try await body()
            _ = await server.terminate()
            return result
        }
    }

    private func run(mode: String, user: String) async throws -> Result<BackchannelTokens, BackchannelClientError> {
        let directory = try ChildProcess.temporaryDirectory("rp")
        defer { try? FileManager.default.removeItem(at: directory) }
        let port = try LoopbackPort.free()
        let server = try await provider(mode: mode, port: port, in: directory)
        defer { server.stop() }
        let inbox = NotificationInbox()
        return try await serving(inbox, port: port, stopping: server) {
            let client = try await BackchannelClient.discover(issuer: server.baseURL, clientId: "rp", credentials: .clientSecretBasic(secret: Self.secret))
            do throws(BackchannelClientError) {
                let tokens = try await client.authenticate(
                    AuthenticationRequest(hint: .loginHint(user)), delivery: mode == "push" ? .push(inbox) : .ping(inbox))
                return .success(tokens)
            } catch {
                return .failure(error)
            }
        }
    }

    @Test("ping: the client waits for the ping, redeems once, and gets verified tokens")
    func ping() async throws {
        let tokens = try await run(mode: "ping", user: "alice").get()
        #expect(tokens.subject == "alice")
        #expect(tokens.idTokenClaims["urn:openid:params:jwt:claim:auth_req_id"] == nil)
    }

    @Test("push: the pushed tokens are verified, and the ID token names the request")
    func push() async throws {
        let tokens = try await run(mode: "push", user: "alice").get()
        #expect(tokens.subject == "alice")
        #expect(tokens.idTokenClaims["urn:openid:params:jwt:claim:auth_req_id"]?.stringValue == tokens.response["auth_req_id"]?.stringValue)
    }

    @Test("push: a denial is access_denied")
    func pushedDenial() async throws {
        let result = try await run(mode: "push", user: "bob")
        guard case .failure(let error) = result else {
            Issue.record("bob's denial gave tokens")
            return
        }
        #expect(error.isDenied)
    }

    @Test("backchannel login --ping-listen receives the ping and prints the tokens")
    func cliPing() async throws {
        let directory = try ChildProcess.temporaryDirectory("cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        let port = try LoopbackPort.free()
        let server = try await provider(mode: "ping", port: port, in: directory)
        defer { server.stop() }
        let (status, output) = try await ChildProcess.run(
            BackchanneldProcess.builtExecutable("backchannel"),
            [
                "login", "--issuer", server.baseURL, "--client-id", "rp", "--client-secret", Self.secret, "--login-hint", "alice",
                "--ping-listen", "127.0.0.1:\(port)",
            ])
        #expect(status == 0, "\(output)")
        #expect(output.contains("\"id_token\""), "\(output)")
        // It says where the ping must arrive, and its endpoint stops without logging an error.
        #expect(output.contains("listening on http://127.0.0.1:\(port)/"), "\(output)")
        #expect(!output.contains("[HummingbirdCore]"), "\(output)")
    }
}
