import BackchannelCore
import Foundation
import Testing

/// Reloading the configuration of a real process: SIGHUP and the admin call.
@Suite("configuration reload", .timeLimit(.minutes(1)),
    .enabled(if: BackchanneldProcess.isBuilt, "skipped: the backchanneld binary is not built beside the tests"))
struct ReloadTests {
    private static func configuration(clients: String, users: String = "- { subject: carol }", authenticators: String? = nil) -> String {
        """
        server: { operations: { admin_token: "\(AdminTests.token)" } }
        policy: { min_client_secret_length: 8 }
        clients:
          \(clients)
        authenticators:
          \(authenticators ?? "- { plugin: mock-push, configuration: { users: { carol: { action: silent }, erin: { action: approve } } } }")
        users:
          \(users)
        """
    }

    private static let demoClient = "- { client_id: demo-client, client_secret: demo-secret }"

    private func log(_ directory: URL) -> String {
        (try? String(contentsOf: directory.appendingPathComponent("log"), encoding: .utf8)) ?? ""
    }

    private func start(in directory: URL, _ text: String) async throws -> (BackchanneldProcess, URL) {
        let file = directory.appendingPathComponent("backchannel.yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let server = try await BackchanneldProcess(
            arguments: ["--config", file.path, "--data-dir", directory.appendingPathComponent("data").path], log: directory.appendingPathComponent("log"),
            logLevel: "notice")
        return (server, file)
    }

    /// Whether a new request of `client` for `user` is accepted.
    private func accepted(_ server: BackchanneldProcess, client: (String, String), user: String) async throws -> Bool {
        let answer = try await HTTPPeer.post(
            "\(server.baseURL)/backchannel/authentication", form: [("scope", "openid"), ("login_hint", user)], basic: client)
        return answer.status == 200
    }

    @Test("SIGHUP adds a client and a user and removes a client for new requests, while a pending request carries on")
    func sighupSwapsClientsAndUsers() async throws {
        let directory = try ChildProcess.temporaryDirectory("reload-hup")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (server, file) = try await start(
            in: directory, Self.configuration(clients: Self.demoClient + "\n  - { client_id: old-client, client_secret: old-secret }"))
        defer { server.stop() }
        let pending = try await DemoFlow.start(server, "carol")
        #expect(try await HTTPPeer.post(
            "\(server.baseURL)/backchannel/authentication", form: [("scope", "openid"), ("login_hint", "erin@example.com")], basic: DemoFlow.client).json["error"] == .string("unknown_user_id"))

        try Self.configuration(
            clients: Self.demoClient + "\n  - { client_id: kiosk, client_secret: kiosk-secret }",
            users: "- { subject: carol }\n  - { subject: erin, login_hints: [erin@example.com] }"
        ).write(to: file, atomically: true, encoding: .utf8)
        server.send(SIGHUP)
        // A SIGHUP reload is not instant: the server says when it applied it.
        #expect(await server.output.waitFor("configuration reloaded"))
        #expect(try await accepted(server, client: ("kiosk", "kiosk-secret"), user: "erin@example.com"))
        #expect(try await HTTPPeer.post(
            "\(server.baseURL)/backchannel/authentication", form: [("scope", "openid"), ("login_hint", "carol")], basic: ("old-client", "old-secret")).status == 401)
        #expect(try await DemoFlow.poll(server, pending).json["error"] == .string("authorization_pending"))
        #expect(log(directory).contains("configuration reloaded"))
        // Still serving after the signal (SIGHUP did not end it).
        #expect(try await HTTPPeer.get("\(server.operationsURL)/healthz").status == 200)
    }

    @Test("an invalid file is refused with its field path, and the running configuration stays")
    func invalidFileRefused() async throws {
        let directory = try ChildProcess.temporaryDirectory("reload-invalid")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (server, file) = try await start(in: directory, Self.configuration(clients: Self.demoClient))
        defer { server.stop() }
        try Self.configuration(clients: "- { client_id: demo-client, client_secret: short }").write(to: file, atomically: true, encoding: .utf8)
        let refused = try await AdminTests.call(server, .POST, "/admin/reload")
        #expect(refused.status == 422)
        #expect(refused.json["applied"] == .bool(false))
        #expect(refused.json["error"]?.stringValue?.contains("clients[0].client_secret: is shorter than 8 characters") == true)
        try "policy: { interval: -3 }\n".write(to: file, atomically: true, encoding: .utf8)
        server.send(SIGHUP)
        #expect(await server.output.waitFor("policy.interval"))
        #expect(log(directory).contains("configuration reload refused; the running configuration stays"))
        #expect(log(directory).contains("policy.interval"))
        // The demo client with its long secret still works.
        #expect(try await accepted(server, client: DemoFlow.client, user: "carol"))
    }

    @Test("a reload that changes the authenticators applies the rest and names what needs a restart")
    func restartNeededNamed() async throws {
        let directory = try ChildProcess.temporaryDirectory("reload-restart")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (server, file) = try await start(in: directory, Self.configuration(clients: Self.demoClient))
        defer { server.stop() }
        try Self.configuration(
            clients: Self.demoClient + "\n  - { client_id: kiosk, client_secret: kiosk-secret }",
            authenticators: "- { plugin: mock-push, configuration: { users: { carol: { action: deny } } } }"
        ).write(to: file, atomically: true, encoding: .utf8)
        let outcome = try await AdminTests.call(server, .POST, "/admin/reload")
        #expect(outcome.status == 200)
        #expect(outcome.json["restart_needed"] == .array([.string("authenticators")]))
        #expect(try await accepted(server, client: ("kiosk", "kiosk-secret"), user: "carol"))
        #expect(log(directory).contains("take effect only after a restart"))
    }

    @Test("restart_needed compares with what runs: a plugin's configuration changed twice still needs a restart, changed back it does not")
    func restartNeededAgainstRunningConfiguration() async throws {
        let directory = try ChildProcess.temporaryDirectory("reload-running")
        defer { try? FileManager.default.removeItem(at: directory) }
        let original = Self.configuration(clients: Self.demoClient)
        let (server, file) = try await start(in: directory, original)
        defer { server.stop() }
        let changed = Self.configuration(
            clients: Self.demoClient, authenticators: "- { plugin: mock-push, configuration: { users: { carol: { action: deny } } } }")
        let kioskAdded = Self.configuration(
            clients: Self.demoClient + "\n  - { client_id: kiosk, client_secret: kiosk-secret }",
            authenticators: "- { plugin: mock-push, configuration: { users: { carol: { action: deny } } } }")
        for (text, expected) in [(changed, [JSONValue.string("authenticators")]), (kioskAdded, [.string("authenticators")]), (original, [])] {
            try text.write(to: file, atomically: true, encoding: .utf8)
            let outcome = try await AdminTests.call(server, .POST, "/admin/reload")
            #expect(outcome.status == 200)
            #expect(outcome.json["restart_needed"] == .array(expected), "\(outcome.text)")
        }
    }

    @Test("SIGHUP to a server started without --config is logged and ignored: the server goes on serving")
    func hangUpWithoutConfiguration() async throws {
        let directory = try ChildProcess.temporaryDirectory("reload-none")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try await BackchanneldProcess(
            arguments: ["--data-dir", directory.appendingPathComponent("data").path], log: directory.appendingPathComponent("log"), logLevel: "notice")
        defer { server.stop() }
        server.send(SIGHUP)
        #expect(await server.output.waitFor("SIGHUP ignored") == true)
        #expect(server.isRunning)
        #expect(try await HTTPPeer.get("\(server.baseURL)/.well-known/openid-configuration").status == 200)
    }
}
