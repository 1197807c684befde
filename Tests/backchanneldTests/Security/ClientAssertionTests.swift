import BackchannelClient
import BackchannelCore
import BackchannelTesting
import Foundation
import Hummingbird
import JWTKit
import Synchronization
import Testing

/// `private_key_jwt` against a real `backchanneld` over HTTP, with the client's keys published at a
/// `jwks_uri` this test serves on loopback.
@Suite("private_key_jwt with a jwks_uri, over HTTP", .serialized, .timeLimit(.minutes(2)),
    .enabled(if: BackchanneldProcess.isBuilt, "skipped: the backchanneld binary is not built beside the tests"))
struct ClientAssertionTests {
    static let assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

    private struct Claims: JWTPayload {
        var claims: [String: JSONValue]
        init(_ claims: [String: JSONValue]) { self.claims = claims }
        init(from decoder: any Decoder) throws { claims = try [String: JSONValue](from: decoder) }
        func encode(to encoder: any Encoder) throws { try claims.encode(to: encoder) }
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    /// The client's side: its keys, the JWKS it publishes (changeable), and how often it was fetched.
    private final class Publisher: Sendable {
        let signer = JWTKeyCollection()
        let published = Mutex<[String: ES256PrivateKey]>([:])
        let fetches = Mutex(0)

        func add(_ kid: String) async -> ES256PrivateKey {
            let key = ES256PrivateKey()
            await signer.add(ecdsa: key, kid: JWKIdentifier(string: kid))
            return key
        }

        func publish(_ keys: [String: ES256PrivateKey]) { published.withLock { $0 = keys } }

        var document: String {
            let keys = published.withLock { $0 }.map { kid, key in
                let p = key.publicKey.parameters!
                return #"{"kty":"EC","crv":"P-256","kid":"\#(kid)","alg":"ES256","x":"\#(p.x)","y":"\#(p.y)"}"#
            }
            return #"{"keys":[\#(keys.joined(separator: ","))]}"#
        }

        func assertion(kid: String, audience: String) async throws -> String {
            let now = Int(Date().timeIntervalSince1970)
            return try await signer.sign(
                Claims([
                    "iss": .string("bank"), "sub": .string("bank"), "aud": .string(audience), "iat": .integer(now), "exp": .integer(now + 60),
                    "jti": .string(UUID().uuidString),
                ]), kid: JWKIdentifier(string: kid))
        }
    }

    private func withServer(_ publisher: Publisher, _ body: (BackchanneldProcess) async throws -> Void) async throws {
        let directory = try ChildProcess.temporaryDirectory("assertion")
        defer { try? FileManager.default.removeItem(at: directory) }
        let jwksPort = try LoopbackPort.free()
        let router = Router()
        router.get("/jwks.json") { _, _ -> Response in
            publisher.fetches.withLock { $0 += 1 }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: publisher.document)))
        }
        let file = directory.appendingPathComponent("backchannel.yaml")
        try """
            policy: { allow_insecure_loopback_jwks_uri: true }
            clients:
              - { client_id: bank, token_endpoint_auth_methods: [private_key_jwt], jwks_uri: "http://127.0.0.1:\(jwksPort)/jwks.json" }
            authenticators:
              - { plugin: mock-push, configuration: { users: { alice: { action: approve, after_seconds: 1 } } } }
            users:
              - { subject: alice }
            """.write(to: file, atomically: true, encoding: .utf8)
        try await LoopbackHTTPServer.serve(router, port: jwksPort, label: "client-jwks") {
            let server = try await BackchanneldProcess(
                arguments: ["--config", file.path, "--data-dir", directory.appendingPathComponent("data").path], log: directory.appendingPathComponent("log"),
                logLevel: "info")
            defer { server.stop() }
            try await body(server)
        }
    }

    private func start(_ server: BackchanneldProcess, _ assertion: String) async throws -> HTTPPeer.Answer {
        try await HTTPPeer.post(
            "\(server.baseURL)/backchannel/authentication",
            form: [("scope", "openid"), ("login_hint", "alice"), ("client_assertion_type", Self.assertionType), ("client_assertion", assertion)])
    }

    @Test("a flow through to tokens, the client authenticated at both endpoints with a key from its jwks_uri")
    func flowWithFetchedKeys() async throws {
        let publisher = Publisher()
        publisher.publish(["bank-1": await publisher.add("bank-1")])
        try await withServer(publisher) { server in
            let ack = try await start(server, try await publisher.assertion(kid: "bank-1", audience: server.baseURL))
            #expect(ack.status == 200)
            let id = try #require(ack.json["auth_req_id"]?.stringValue)
            #expect(await server.waitUntilConcluded(id))  // alice approves after 1 s
            let tokens = try await HTTPPeer.post(
                "\(server.baseURL)/token",
                form: [
                    ("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", id), ("client_assertion_type", Self.assertionType),
                    ("client_assertion", try await publisher.assertion(kid: "bank-1", audience: server.baseURL + "/token")),
                ])
            #expect(tokens.status == 200)
            #expect(tokens.json["id_token"] != nil)
            #expect(publisher.fetches.withLock { $0 } == 1)  // cached between the two
        }
    }

    @Test("the client library and backchannel login authenticate with private_key_jwt and get verified tokens")
    func clientLibraryAndCLI() async throws {
        let publisher = Publisher()
        let key = await publisher.add("bank-1")
        publisher.publish(["bank-1": key])
        try await withServer(publisher) { server in
            let client = try await BackchannelClient.discover(
                issuer: server.baseURL, clientId: "bank",
                credentials: .privateKeyJWT(try ClientAssertionKey(pem: key.pemRepresentation, kid: "bank-1", algorithm: .es256)))
            let tokens = try await client.authenticate(AuthenticationRequest(hint: .loginHint("alice")))
            #expect(tokens.subject == "alice")

            let directory = try ChildProcess.temporaryDirectory("cli-key")
            defer { try? FileManager.default.removeItem(at: directory) }
            let pem = directory.appendingPathComponent("bank.pem")
            try key.pemRepresentation.write(to: pem, atomically: true, encoding: .utf8)
            let (status, output) = try await ChildProcess.run(
                BackchanneldProcess.builtExecutable("backchannel"),
                [
                    "login", "--issuer", server.baseURL, "--client-id", "bank", "--private-key-file", pem.path, "--key-id", "bank-1",
                    "--login-hint", "alice",
                ])
            #expect(status == 0, "\(output)")
            #expect(output.contains("\"id_token\""), "\(output)")
        }
    }

    // How often unknown kids may fetch is a matter of time, judged on a virtual clock in ClientAssertionKeysTests.
    @Test("a rotated key is fetched when an assertion names it; unknown kids are invalid_client")
    func rotationAndUnknownKids() async throws {
        let publisher = Publisher()
        let first = await publisher.add("bank-1")
        publisher.publish(["bank-1": first])
        try await withServer(publisher) { server in
            #expect(try await start(server, try await publisher.assertion(kid: "bank-1", audience: server.baseURL)).status == 200)
            publisher.publish(["bank-1": first, "bank-2": await publisher.add("bank-2")])
            #expect(try await start(server, try await publisher.assertion(kid: "bank-2", audience: server.baseURL)).status == 200)
            #expect(publisher.fetches.withLock { $0 } == 2)
            for n in 0..<10 {
                _ = await publisher.add("stranger-\(n)")
                let answer = try await start(server, try await publisher.assertion(kid: "stranger-\(n)", audience: server.baseURL))
                #expect(answer.status == 401)
                #expect(answer.json["error"]?.stringValue == "invalid_client")
            }
        }
    }
}
