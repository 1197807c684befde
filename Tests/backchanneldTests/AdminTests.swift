import AsyncHTTPClient
import BackchannelCore
import BackchannelServer
import BackchannelTesting
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// The admin API of a real process, on its operations listener.
@Suite("admin API", .timeLimit(.minutes(1)),
    .enabled(if: BackchanneldProcess.isBuilt, "skipped: the backchanneld binary is not built beside the tests"))
struct AdminTests {
    static let token = "0123456789abcdef0123456789abcdef-admin"

    private func node(in directory: URL, operations: String = "{ admin_token: \"\(AdminTests.token)\" }", environment: [String: String] = [:]) async throws -> BackchanneldProcess {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("backchannel.yaml")
        try """
            server: { operations: \(operations) }
            policy: { min_client_secret_length: 8 }
            clients:
              - { client_id: demo-client, client_secret: demo-secret, client_name: Demo }
              - { client_id: kiosk, client_secret: kiosk-secret }
            authenticators:
              - { plugin: mock-push, configuration: { users: { carol: { action: silent }, dave: { action: silent } } } }
            users:
              - { subject: carol }
              - { subject: dave }
            """.write(to: file, atomically: true, encoding: .utf8)
        return try await BackchanneldProcess(
            arguments: ["--config", file.path, "--data-dir", directory.appendingPathComponent("data").path], log: directory.appendingPathComponent("log"),
            environment: environment)
    }

    static func call(_ node: BackchanneldProcess, _ method: HTTPMethod = .GET, _ path: String, token: String? = AdminTests.token) async throws -> HTTPPeer.Answer {
        var request = HTTPClientRequest(url: "\(node.operationsURL)\(path)")
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let response = try await AsyncHTTPClient.HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return HTTPPeer.Answer(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, text: String(buffer: body))
    }

    private func requests(_ answer: HTTPPeer.Answer) -> [[String: JSONValue]] {
        guard case .array(let items) = answer.json["requests"] else { return [] }
        return items.compactMap { if case .object(let members) = $0 { members } else { nil } }
    }

    @Test("without the token, or with another, every admin call is 401 with a Bearer challenge, and nothing happens")
    func tokenRequired() async throws {
        let directory = try ChildProcess.temporaryDirectory("admin-auth")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try await node(in: directory)
        defer { server.stop() }
        let id = try await DemoFlow.start(server, "carol")
        let hash = BackchannelEngine.authReqIdHash(id)
        for token in [nil, "wrong", String(AdminTests.token.dropLast()), AdminTests.token + "x"] {
            let answer = try await Self.call(server, .POST, "/admin/requests/\(hash)/cancel", token: token)
            #expect(answer.status == 401)
            #expect(answer.header("WWW-Authenticate") == #"Bearer realm="backchannel-admin""#)
            #expect(answer.json["error"] == .string("invalid_token"))
        }
        #expect(try await DemoFlow.poll(server, id).json["error"] == .string("authorization_pending"))
        #expect(try await HTTPPeer.get("\(server.baseURL)/admin/clients").status == 404)  // never on the public port
    }

    @Test("pending requests are listed by subject and by client, and a cancelled one answers access_denied at the next poll")
    func listAndCancel() async throws {
        let directory = try ChildProcess.temporaryDirectory("admin-cancel")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try await node(in: directory)
        defer { server.stop() }
        let carols = try await DemoFlow.start(server, "carol")
        _ = try await DemoFlow.start(server, "dave")

        let listed = requests(try await Self.call(server, .GET, "/admin/requests?subject=carol"))
        #expect(listed.count == 1)
        let hash = try #require(listed.first?["auth_req_id_sha256"]?.stringValue)
        #expect(hash == BackchannelEngine.authReqIdHash(carols))
        #expect(listed.first?["client_id"] == .string("demo-client"))
        #expect(listed.first?["subject"] == .string("carol"))
        #expect(listed.first?["authenticator"] == .string("mock-push"))
        #expect(listed.first?["delivery_mode"] == .string("poll"))
        #expect(requests(try await Self.call(server, .GET, "/admin/requests?client_id=demo-client")).count == 2)
        #expect(requests(try await Self.call(server, .GET, "/admin/requests?client_id=kiosk")).isEmpty)
        #expect(try await Self.call(server, .GET, "/admin/requests?limit=5000").status == 400)

        let cancelled = try await Self.call(server, .POST, "/admin/requests/\(hash)/cancel")
        #expect(cancelled.status == 200)
        #expect(cancelled.json["cancelled"] == .string(hash))
        #expect(try await Self.call(server, .POST, "/admin/requests/\(hash)/cancel").status == 404)
        #expect(try await Self.call(server, .POST, "/admin/requests/unknown/cancel").status == 404)
        let poll = try await DemoFlow.poll(server, carols)
        #expect(poll.status == 400)
        #expect(poll.json["error"] == .string("access_denied"))
        #expect(requests(try await Self.call(server, .GET, "/admin/requests?subject=carol")).isEmpty)
    }

    @Test("clients are listed without secrets, authenticators with their state and pending count")
    func clientsAndAuthenticators() async throws {
        let directory = try ChildProcess.temporaryDirectory("admin-lists")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try await node(in: directory)
        defer { server.stop() }
        _ = try await DemoFlow.start(server, "carol")
        let clients = try await Self.call(server, .GET, "/admin/clients")
        #expect(clients.status == 200)
        #expect(clients.text.contains(#""client_id":"demo-client""#) && clients.text.contains(#""client_name":"Demo""#))
        #expect(clients.text.contains(#""client_id":"kiosk""#))
        #expect(!clients.text.contains("demo-secret") && !clients.text.contains("kiosk-secret"))
        let authenticators = try await Self.call(server, .GET, "/admin/authenticators")
        #expect(authenticators.text.contains(#"{"acr":"mock-push","name":"mock-push","pending":1,"plugin":"mock-push","state":"ready"}"#))
    }

    @Test("the token can come from a file or BACKCHANNEL_ADMIN_TOKEN; with none the admin API is off")
    func tokenSources() async throws {
        let directory = try ChildProcess.temporaryDirectory("admin-sources")
        defer { try? FileManager.default.removeItem(at: directory) }
        let tokenFile = directory.appendingPathComponent("admin-token")
        try "\(AdminTests.token)\n".write(to: tokenFile, atomically: true, encoding: .utf8)
        let fromFile = try await node(in: directory.appendingPathComponent("file"), operations: "{ admin_token_file: \"\(tokenFile.path)\" }")
        #expect(try await Self.call(fromFile, .GET, "/admin/clients").status == 200)
        fromFile.stop()
        let fromEnvironment = try await node(
            in: directory.appendingPathComponent("env"), operations: "{}", environment: ["BACKCHANNEL_ADMIN_TOKEN": AdminTests.token])
        #expect(try await Self.call(fromEnvironment, .GET, "/admin/clients").status == 200)
        fromEnvironment.stop()
        let off = try await node(in: directory.appendingPathComponent("off"), operations: "{}")
        defer { off.stop() }
        #expect(try await Self.call(off, .GET, "/admin/clients").status == 404)
        #expect(try await HTTPPeer.get("\(off.operationsURL)/healthz").status == 200)
    }

    @Test("a short admin token is a start-up error naming the field, exit status 78")
    func shortToken() async throws {
        let directory = try ChildProcess.temporaryDirectory("admin-short")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("backchannel.yaml")
        try """
            server: { operations: { admin_token: "short" } }
            clients: [ { client_id: demo-client, client_secret: demo-secret-long-enough } ]
            authenticators: [ { plugin: mock-push } ]
            """.write(to: file, atomically: true, encoding: .utf8)
        let (status, output) = try await ChildProcess.run(
            BackchanneldProcess.executable, ["--config", file.path, "--port", "\(try LoopbackPort.free())", "--operations-port", "\(try LoopbackPort.free())"])
        #expect(status == 78)
        #expect(output.contains("server.operations.admin_token: must be at least 32 characters"))
    }

    @Test("every path of docs/admin-openapi.yaml is served (401 without the token), and every served admin path is documented")
    func openAPIDocumentMatches() async throws {
        let document = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/admin-openapi.yaml").standardized,
            encoding: .utf8)
        let documented = Set(document.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  /admin/"), line.hasSuffix(":") else { return nil }
            return String(line.dropFirst(2).dropLast())
        })
        let served: [(HTTPMethod, String)] = [
            (.GET, "/admin/requests"), (.POST, "/admin/requests/{auth_req_id_sha256}/cancel"), (.GET, "/admin/clients"),
            (.GET, "/admin/authenticators"), (.POST, "/admin/reload"), (.POST, "/admin/authenticators/{name}/enrollment-codes"),
            (.GET, "/admin/authenticators/{name}/devices"), (.POST, "/admin/authenticators/{name}/devices/{device_id}/revoke"),
            (.GET, "/admin/users"), (.POST, "/admin/users"), (.GET, "/admin/users/{subject}"), (.PUT, "/admin/users/{subject}"),
            (.DELETE, "/admin/users/{subject}"),
        ]
        #expect(documented == Set(served.map(\.1)))
        let directory = try ChildProcess.temporaryDirectory("admin-openapi")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try await node(in: directory)
        defer { server.stop() }
        for (method, path) in served {
            let concrete = path.replacingOccurrences(of: "{auth_req_id_sha256}", with: "x").replacingOccurrences(of: "{name}", with: "push")
                .replacingOccurrences(of: "{device_id}", with: "x").replacingOccurrences(of: "{subject}", with: "x")
            #expect(try await Self.call(server, method, concrete, token: nil).status == 401, "\(method) \(path)")
            // The path's own block (up to the next path or the components) documents the method.
            let block = document.components(separatedBy: "\n  \(path):\n").dropFirst().first?.components(separatedBy: "\n  /").first?
                .components(separatedBy: "\ncomponents:").first ?? ""
            #expect(block.hasPrefix("    \(method.rawValue.lowercased()):") || block.contains("\n    \(method.rawValue.lowercased()):"), "\(method) \(path)")
        }
        #expect(try await Self.call(server, .GET, "/admin/undocumented", token: nil).status == 404)
    }
}
