import AsyncHTTPClient
import BackchannelCore
import BackchannelTesting
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// Directories in a real process: users imported with `backchanneld users import` and managed through
/// `/admin/users`, chained with the file's `users:`, each subject one user's.
@Suite("directories in a process", .timeLimit(.minutes(2)),
    .enabled(if: BackchanneldProcess.isBuilt, "skipped: the backchanneld binary is not built beside the tests"))
struct DirectoryProcessTests {
    static func configuration(in directory: URL, directories: String) throws -> URL {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("backchannel.yaml")
        try """
            server: { operations: { admin_token: "\(AdminTests.token)" } }
            policy: { min_client_secret_length: 8 }
            directory: \(directories)
            clients:
              - { client_id: demo-client, client_secret: demo-secret, scopes: [openid, email, profile] }
            authenticators:
              - { plugin: mock-push, configuration: { users: { "db:u1": { action: silent }, "demo:carol": { action: silent } } } }
            users:
              - { subject: carol, email: carol@example.com }
            """.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    static let chain = "[{ plugin: store, subject_prefix: \"db:\" }, { plugin: static, subject_prefix: \"demo:\" }]"

    static func send(_ node: BackchanneldProcess, _ method: HTTPMethod, _ path: String, json: String? = nil) async throws -> HTTPPeer.Answer {
        var request = HTTPClientRequest(url: "\(node.operationsURL)\(path)")
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(AdminTests.token)")
        if let json { request.body = .bytes(ByteBuffer(string: json)) }
        let response = try await AsyncHTTPClient.HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return HTTPPeer.Answer(status: Int(response.status.code), headers: [], text: String(buffer: body))
    }

    static func subject(ofPendingRequestFor hint: String, on node: BackchanneldProcess) async throws -> String? {
        _ = try await DemoFlow.start(node, hint)
        let listed = try await send(node, .GET, "/admin/requests?client_id=demo-client")
        guard case .array(let requests)? = listed.json["requests"], case .object(let last)? = requests.last else { return nil }
        return last["subject"]?.stringValue
    }

    @Test("imported users are found by any form of their hints, under their directory's prefix, beside the file's users")
    func importedUsersAuthenticate() async throws {
        let directory = try ChildProcess.temporaryDirectory("directory-import")
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = try Self.configuration(in: directory, directories: Self.chain)
        let data = directory.appendingPathComponent("data").path
        let file = directory.appendingPathComponent("users.jsonl")
        try """
            {"subject": "u1", "login_hints": ["dave"], "email": "Dave@Example.com", "phone_number": "+15550100"}
            {"subject": "u2", "phone_number": "not a number"}
            """.write(to: file, atomically: true, encoding: .utf8)
        let environment = ProcessInfo.processInfo.environment.merging(["BACKCHANNEL_KEY_ENCRYPTION_KEY": BackchanneldProcess.keyEncryptionKey]) { $1 }
        let imported = try await ChildProcess.run(
            BackchanneldProcess.executable, ["users", "import", file.path, "--config", config.path, "--data-dir", data], environment: environment)
        #expect(imported.status == 0)
        #expect(imported.output.contains("created 1, updated 0, unchanged 0, skipped 1"))
        #expect(imported.output.contains("skipped line 2: phone_number:"))
        let again = try await ChildProcess.run(
            BackchanneldProcess.executable, ["users", "import", file.path, "--config", config.path, "--data-dir", data], environment: environment)
        #expect(again.output.contains("created 0, updated 0, unchanged 1, skipped 1"))

        let node = try await BackchanneldProcess(arguments: ["--config", config.path, "--data-dir", data], log: directory.appendingPathComponent("log"))
        defer { node.stop() }
        #expect(try await Self.subject(ofPendingRequestFor: "DAVE@example.com", on: node) == "db:u1")
        #expect(try await Self.subject(ofPendingRequestFor: "+1 555-0100", on: node) == "db:u1")
        #expect(try await Self.subject(ofPendingRequestFor: "carol@example.com", on: node) == "demo:carol")
        let unknown = try await HTTPPeer.post(
            "\(node.baseURL)/backchannel/authentication", form: [("scope", "openid"), ("login_hint", "nobody@example.com")], basic: DemoFlow.client)
        #expect(unknown.json["error"] == .string("unknown_user_id"))
    }

    @Test("/admin/users creates, reads, finds, replaces and deletes users, refusing a hint another user holds")
    func adminUsers() async throws {
        let directory = try ChildProcess.temporaryDirectory("directory-admin")
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = try Self.configuration(in: directory, directories: Self.chain)
        let log = directory.appendingPathComponent("log")
        let node = try await BackchanneldProcess(
            arguments: ["--config", config.path, "--data-dir", directory.appendingPathComponent("data").path], log: log, logLevel: "info")
        defer { node.stop() }
        let created = try await Self.send(node, .POST, "/admin/users", json: #"{"subject": "u1", "email": "erin@example.com", "user_code_hash": null}"#)
        #expect(created.status == 201)
        #expect(try await Self.send(node, .POST, "/admin/users", json: #"{"subject": "u1"}"#).status == 409)
        let taken = try await Self.send(node, .POST, "/admin/users", json: #"{"subject": "u2", "login_hints": ["ERIN@example.com"]}"#)
        #expect(taken.status == 409)
        #expect(taken.json["error"] == .string("key_taken"))
        #expect(try await Self.send(node, .GET, "/admin/users/u2").status == 404)
        let bad = try await Self.send(node, .POST, "/admin/users", json: #"{"subject": "u3", "phone_number": "<script>"}"#)
        #expect(bad.status == 400)
        #expect(!bad.text.contains("<script>"))
        #expect(try await Self.send(node, .POST, "/admin/users", json: "{").status == 400)
        let found = try await Self.send(node, .GET, "/admin/users?hint=Erin%40Example.com")
        #expect(found.text.contains(#""subject":"u1""#))
        #expect(try await Self.subject(ofPendingRequestFor: "erin@example.com", on: node) == "db:u1")
        let replaced = try await Self.send(node, .PUT, "/admin/users/u1", json: #"{"subject": "u1", "email": "frank@example.com"}"#)
        #expect(replaced.status == 200)
        let gone = try await HTTPPeer.post(
            "\(node.baseURL)/backchannel/authentication", form: [("scope", "openid"), ("login_hint", "erin@example.com")], basic: DemoFlow.client)
        #expect(gone.json["error"] == .string("unknown_user_id"))
        #expect(try await Self.send(node, .DELETE, "/admin/users/u1").status == 200)
        #expect(try await Self.send(node, .GET, "/admin/users/u1").status == 404)
        // Each change is in the audit trail, by whom, with the subject hashed.
        let trail = try String(contentsOf: log, encoding: .utf8).split(separator: "\n").filter { $0.contains("event=directory.user_") }
        #expect(trail.map { $0.contains("directory.user_created") } == [true, false, false])
        #expect(trail.count == 3 && trail[1].contains("directory.user_updated") && trail[2].contains("directory.user_deleted"))
        #expect(trail.allSatisfy { $0.contains("by=admin-api") && $0.contains("subject_hmac=") && !$0.contains("subject=u1") })
    }

    @Test("a chain whose directory has no subject prefix, or an unregistered directory, stops the start naming the field")
    func startupRefusals() async throws {
        let directory = try ChildProcess.temporaryDirectory("directory-refusal")
        defer { try? FileManager.default.removeItem(at: directory) }
        for (directories, expected) in [
            ("[{ plugin: store, subject_prefix: \"db:\" }, { plugin: static }]", "directory[1].subject_prefix"),
            ("{ plugin: nis }", "directory[0].directory.plugin: no directory plugin is registered as 'nis' (registered: ldap, scim)"),
            ("{ plugin: ldap }", "directory[0].configuration.url: plugin 'ldap': configuration.url: is required but missing"),
        ] {
            let config = try Self.configuration(in: directory, directories: directories)
            let (status, output) = try await ChildProcess.run(
                BackchanneldProcess.executable,
                ["--config", config.path, "--data-dir", directory.appendingPathComponent("data").path, "--port", "\(try LoopbackPort.free())",
                 "--operations-port", "\(try LoopbackPort.free())"])
            #expect(status == 78)
            #expect(output.contains(expected), "\(output)")
        }
    }
}
