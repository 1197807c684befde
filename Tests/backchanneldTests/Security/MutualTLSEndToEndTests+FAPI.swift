import AsyncHTTPClient
import BackchannelClient
import BackchannelCore
import CertificateFixtures
import Crypto
import Foundation
import JWTKit
import NIOSSL
import Testing

/// FAPI-CIBA over mutual TLS: signed requests, bound tokens, and the profile checked at start-up.
extension MutualTLSEndToEndTests {
    @Test("a FAPI-CIBA flow over mutual TLS: a signed request with a binding message, bound tokens, a refresh that keeps the binding and refuses reuse")
    func fapiFlow() async throws {
        let pki = try PKI()
        defer { try? FileManager.default.removeItem(at: pki.directory) }
        try await withServer(pki) { server in
            try await pki.withClients(presenting: [pki.bankApp]) { clients in
                let bank = clients[0]
                let signer = JWTKeyCollection()
                await signer.add(ecdsa: pki.requestKey, kid: "request-1")
                let now = Int(Date().timeIntervalSince1970)
                func signed(_ bindingMessage: String?) async throws -> String {
                    var claims: [String: JSONValue] = [
                        "iss": .string("bank-app"), "aud": .string(server.baseURL), "iat": .integer(now), "nbf": .integer(now), "exp": .integer(now + 300),
                        "jti": .string(UUID().uuidString), "scope": .string("openid offline_access"), "login_hint": .string("alice"),
                    ]
                    if let bindingMessage { claims["binding_message"] = .string(bindingMessage) }
                    return try await signer.sign(SignedRequest(claims: claims), kid: "request-1")
                }
                let endpoint = "\(server.baseURL)/backchannel/authentication"
                let unsigned = try await HTTPPeer.post(
                    endpoint, form: [("client_id", "bank-app"), ("scope", "openid"), ("login_hint", "alice"), ("binding_message", "K7")], client: bank)
                #expect(unsigned.status == 400 && unsigned.json["error"] == .string("invalid_request"))
                let noMessage = try await HTTPPeer.post(endpoint, form: [("client_id", "bank-app"), ("request", try await signed(nil))], client: bank)
                #expect(noMessage.status == 400 && noMessage.json["error"] == .string("invalid_request"))

                let ack = try await HTTPPeer.post(endpoint, form: [("client_id", "bank-app"), ("request", try await signed("K7 TRANSFER"))], client: bank)
                let id = try #require(ack.json["auth_req_id"]?.stringValue, "\(ack.text)")
                #expect(await server.waitUntilConcluded(id))
                let tokens = try await HTTPPeer.post(
                    "\(server.baseURL)/token", form: [("client_id", "bank-app"), ("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", id)],
                    client: bank)
                #expect(tokens.status == 200, "\(tokens.text)")
                let thumbprint = Base64URL.encode(SHA256.hash(data: try pki.bankApp.der))
                let bound = JSONValue.object(["x5t#S256": .string(thumbprint)])
                #expect(try accessTokenClaims(try #require(tokens.json["access_token"]?.stringValue))["cnf"] == bound)

                let refreshToken = try #require(tokens.json["refresh_token"]?.stringValue)
                let refresh = [("client_id", "bank-app"), ("grant_type", "refresh_token"), ("refresh_token", refreshToken)]
                let refreshed = try await HTTPPeer.post("\(server.baseURL)/token", form: refresh, client: bank)
                #expect(refreshed.status == 200, "\(refreshed.text)")
                #expect(try accessTokenClaims(try #require(refreshed.json["access_token"]?.stringValue))["cnf"] == bound)
                let reused = try await HTTPPeer.post("\(server.baseURL)/token", form: refresh, client: bank)
                #expect(reused.status == 400 && reused.json["error"] == .string("invalid_grant"))
            }
        }
    }

    @Test("a FAPI-CIBA client that breaks the profile stops backchanneld at start-up, naming the field and the profile")
    func fapiRefusedAtStartup() async throws {
        let pki = try PKI()
        defer { try? FileManager.default.removeItem(at: pki.directory) }
        let file = pki.directory.appendingPathComponent("fapi.yaml")
        try """
            clients:
              - { client_id: bank-app, client_secret: a-long-enough-secret-42, profile: fapi-ciba }
            authenticators:
              - { plugin: mock-push, configuration: { users: { alice: { action: approve } } } }
            """.write(to: file, atomically: true, encoding: .utf8)
        let (status, output) = try await ChildProcess.run(
            BackchanneldProcess.executable, ["--config", file.path, "--data-dir", pki.directory.appendingPathComponent("data").path, "--port", "0"])
        #expect(status != 0)
        #expect(output.contains("clients[0].token_endpoint_auth_methods") && output.contains("fapi-ciba"), "\(output)")
    }
}

/// A signed authentication request's claims.
private struct SignedRequest: JWTPayload {
    var claims: [String: JSONValue]
    func encode(to encoder: any Encoder) throws { try claims.encode(to: encoder) }
    init(claims: [String: JSONValue]) { self.claims = claims }
    init(from decoder: any Decoder) throws { claims = try [String: JSONValue](from: decoder) }
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
