import BackchannelCore
import BackchannelServer
import BackchannelTesting
import Foundation
import Hummingbird
import Testing

@testable import BackchannelHost

/// The findings of the hostile review that reach the server over HTTP, each kept fixed.
@Suite("hostile input over HTTP", .timeLimit(.minutes(3)))
struct HostileInputTests {
    /// A memory-store configuration with one silent user, and `server` as its server section, in `directory`.
    private static func configuration(in directory: URL, server: String) throws -> URL {
        let file = directory.appendingPathComponent("backchannel.yaml")
        try """
            server: \(server)
            store: { kind: memory }
            clients: [{ client_id: console, client_secret: console-secret-0042 }]
            authenticators: [{ plugin: mock-push, configuration: { users: { carol: { action: silent } } } }]
            users: [{ subject: carol }]
            """.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    /// A server that closes a connection idle for 1 s, or whose body is not in within 2 s.
    private static func shortTimeoutNode(in directory: URL) async throws -> BackchanneldProcess {
        let file = try configuration(in: directory, server: "{ idle_timeout: 1, body_read_timeout: 2 }")
        return try await BackchanneldProcess(
            arguments: ["--config", file.path, "--data-dir", directory.appendingPathComponent("data").path], log: directory.appendingPathComponent("log"))
    }

    // What keeps the refusal cheap (the byte and count bounds, checked before any pair is read) is CookieHeaderTests's.
    @Test("a page request with 6 000 cookies is refused with 431, and the next request is served")
    func cookieFlood() async throws {
        try await DemoServer.make().run { http in
            let cookies = (0..<6_000).map { "c\($0)=v" }.joined(separator: "; ")
            let answer = try await http.send("/authn/mock-push/?user=carol", method: .get, headers: [.cookie: cookies])
            #expect(answer.status == .requestHeaderFieldsTooLarge)
            #expect(try await http.send("/authn/mock-push/?user=carol", method: .get, headers: [:]).status == .ok)
        }
    }

    @Test("8 000 extra parameters are invalid_request, answered without processing them")
    func parameterFlood() async throws {
        try await DemoServer.make().run { http in
            let extra = (0..<8_000).map { ("p\($0)", "v") }
            let answer = try await http.start("alice", extra)
            #expect(answer.status == .badRequest)
            #expect(answer.error == "invalid_request")
        }
    }

    @Test("5 000 distinct scope values are invalid_scope")
    func scopeFlood() async throws {
        try await DemoServer.make().run { http in
            let scope = "openid " + (0..<5_000).map { "s\($0)" }.joined(separator: " ")
            let answer = try await http.post("/backchannel/authentication", [("scope", scope), ("login_hint", "alice")])
            #expect(answer.error == "invalid_scope")
        }
    }

    @Test("a binding message of one character with 7 000 combining marks is invalid_binding_message")
    func combiningMarks() async throws {
        try await DemoServer.make().run { http in
            let message = "A" + String(repeating: "\u{0301}", count: 7_000)
            #expect(message.count == 1)
            let answer = try await http.start("alice", [("binding_message", message)])
            #expect(answer.error == "invalid_binding_message")
        }
    }

    @Test("a repeated parameter named by the client is refused with a fixed text in the RFC 6749 character set, and JSON is nosniff")
    func noEcho() async throws {
        try await DemoServer.make().run { http in
            let name = "<script>alert(1)</script>\r\nX-Injected: 1"
            let answer = try await http.start("alice", [(name, "1"), (name, "2")])
            #expect(answer.error == "invalid_request")
            let description = answer.json["error_description"]?.stringValue ?? ""
            #expect(!description.contains("script") && !description.contains("Injected"))
            // RFC 6749 §5.2: error_description is %x20-21 / %x23-5B / %x5D-7E.
            #expect(description.unicodeScalars.allSatisfy { $0.value == 0x20 || $0.value == 0x21 || (0x23...0x5B).contains($0.value) || (0x5D...0x7E).contains($0.value) })
            #expect(answer.headers[.init("X-Content-Type-Options")!] == "nosniff")
        }
    }

    @Test("a known path answers a wrong method with 405 and Allow; HEAD works where GET does")
    func methods() async throws {
        try await DemoServer.make().run { http in
            let get = try await http.send("/token", method: .get)
            #expect(get.status == .methodNotAllowed)
            #expect(get.headers[.allow] == "POST")
            let delete = try await http.send("/jwks", method: .delete)
            #expect(delete.status == .methodNotAllowed)
            #expect(delete.headers[.allow] == "GET, HEAD")
            let head = try await http.send("/.well-known/openid-configuration", method: .head)
            #expect(head.status == .ok)
            #expect(head.text.isEmpty)
            #expect(try await http.send("/authn/mock-push/", method: .put).status == .methodNotAllowed)
            #expect(try await http.send("/authn/mock-push/?user=carol", method: .head).status == .ok)
        }
    }

    @Test("a declared Content-Length above the limit is refused before the body is sent")
    func declaredLengthRefused() async throws {
        try await DemoServer.make().run { http in
            let connection = try RawConnection(port: try #require(http.client.port))
            connection.send(
                "POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000000\r\n\r\n")
            // The server answers and closes: the read ends on the close. The bound is only for failing (3 s was
            // too short beside the whole suite on two busy cores).
            let answer = await connection.readUntilClosed(timeout: 30)
            #expect(answer.text.hasPrefix("HTTP/1.1 413"))
        }
    }

    @Test("a connection that stops sending mid-head or mid-body is closed after the idle timeout, a trickling body after the body deadline",
        .enabled(if: BackchanneldProcess.isBuilt, "skipped: the backchanneld binary is not built beside the tests"))
    func halfSentHead() async throws {
        let directory = try ChildProcess.temporaryDirectory("idle")
        defer { try? FileManager.default.removeItem(at: directory) }
        let node = try await Self.shortTimeoutNode(in: directory)
        defer { node.stop() }
        let connection = try RawConnection(port: node.port)
        connection.send("GET /jwks HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        #expect(await connection.readUntilClosed(timeout: 5).closed)
        // And one whose body stops coming.
        let stalled = try RawConnection(port: node.port)
        stalled.send("POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant")
        #expect(await stalled.readUntilClosed(timeout: 5).closed)
        // And one whose body trickles in, a byte every half second: never idle, but past the body deadline.
        let trickling = try RawConnection(port: node.port)
        trickling.send("POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n")
        let started = ContinuousClock.now
        var closed = false
        while !closed, ContinuousClock.now - started < .seconds(8) {
            trickling.send("a")
            closed = await trickling.readUntilClosed(timeout: 0.5).closed
        }
        // Never idle, so only the body deadline (2 s) closes it within the 8 s it keeps trickling.
        #expect(closed)
    }

    @Test("the operations listener closes a connection that stops mid-head after the idle timeout, as the public port does",
        .enabled(if: BackchanneldProcess.isBuilt, "skipped: the backchanneld binary is not built beside the tests"))
    func operationsIdleTimeout() async throws {
        let directory = try ChildProcess.temporaryDirectory("ops-idle")
        defer { try? FileManager.default.removeItem(at: directory) }
        let node = try await Self.shortTimeoutNode(in: directory)
        defer { node.stop() }
        let port = try #require(URL(string: node.operationsURL)?.port)
        let connection = try RawConnection(port: port)
        connection.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        // Without a timeout it would stay open for as long as the peer likes; 1 s idle closes it.
        #expect(await connection.readUntilClosed(timeout: 8).closed)
    }

    @Test("the admin API on an operations listener beyond loopback is refused at start-up: it would carry its token in clear",
        .enabled(if: BackchanneldProcess.isBuilt, "skipped: the backchanneld binary is not built beside the tests"))
    func adminBeyondLoopbackRefused() async throws {
        let directory = try ChildProcess.temporaryDirectory("ops-admin")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = try Self.configuration(in: directory, server: #"{ operations: { host: 0.0.0.0, admin_token: "\#(String(repeating: "a", count: 40))" } }"#)
        let (status, output) = try await ChildProcess.run(
            BackchanneldProcess.executable,
            [
                "--config", file.path, "--data-dir", directory.appendingPathComponent("data").path, "--port", "\(try LoopbackPort.free())",
                "--operations-port", "\(try LoopbackPort.free())",
            ])
        #expect(status == 78, "\(output)")
        #expect(output.contains("server.operations.host"), "\(output)")
    }
}
