import BackchannelCore
@testable import BackchannelServer
import Foundation
import JWTKit
import BackchannelTesting
import Logging
import Testing

/// A `private_key_jwt` client ("bank") with an ES256 key registered inline, and the means to sign its
/// assertions.
private struct AssertionClient {
    static let assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    let key = ES256PrivateKey()
    let signer = JWTKeyCollection()

    init() async {
        await signer.add(ecdsa: key, kid: "bank-key-1")
    }

    var configuration: ClientConfiguration {
        let parameters = key.publicKey.parameters!
        let jwk = JWK.ecdsa(.es256, identifier: "bank-key-1", x: parameters.x, y: parameters.y, curve: .p256)
        return ClientConfiguration(
            clientId: "bank", clientSecret: nil, tokenEndpointAuthMethods: [.privateKeyJWT], jwks: ClientKeySet(JWKS(keys: [jwk])))
    }

    /// Claims valid at `now`: iss = sub = bank, aud = the issuer, a minute's lifetime, a fresh jti.
    static func claims(now: Date, changing change: (inout [String: JSONValue]) -> Void = { _ in }) -> [String: JSONValue] {
        var claims: [String: JSONValue] = [
            "iss": .string("bank"), "sub": .string("bank"), "aud": .string(EngineFixture.issuer),
            "iat": .integer(Int(now.timeIntervalSince1970)), "exp": .integer(Int(now.timeIntervalSince1970) + 60),
            "jti": .string(UUID().uuidString),
        ]
        change(&claims)
        return claims
    }

    func assertion(_ claims: [String: JSONValue], kid: String = "bank-key-1") async throws -> String {
        try await signer.sign(JSONClaims(claims), kid: JWKIdentifier(string: kid))
    }

    static func parameters(_ assertion: String, _ extra: [(String, String)] = [("scope", "openid"), ("login_hint", "alice")]) -> OAuthParameters {
        OAuthParameters((extra + [("client_assertion_type", assertionType), ("client_assertion", assertion)]).map { (name: $0.0, value: $0.1) })
    }
}

@Suite("private_key_jwt client authentication")
struct PrivateKeyJWTTests {
    private func fixture(_ client: AssertionClient) async throws -> EngineFixture {
        try await EngineFixture.make(clients: EngineFixture.clients + [client.configuration])
    }

    private func start(_ fixture: EngineFixture, _ assertion: String) async -> Result<AuthenticationAcknowledgement, OAuthError> {
        await fixture.engine.authenticationRequest(AssertionClient.parameters(assertion), authorization: nil)
    }

    @Test("an assertion signed with the registered key authenticates at both endpoints, through to tokens")
    func acceptedThroughToTokens() async throws {
        let client = await AssertionClient()
        let fixture = try await fixture(client)
        let ack = try await start(fixture, try await client.assertion(AssertionClient.claims(now: fixture.clock.now))).get()
        await fixture.clock.advance(by: 5)  // alice approves after 2 s
        let poll = AssertionClient.parameters(
            try await client.assertion(AssertionClient.claims(now: fixture.clock.now)),
            [("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", ack.authReqId)])
        let tokens = try await fixture.engine.tokenRequest(poll, authorization: nil).get()
        #expect(!(tokens.idToken ?? "").isEmpty)
    }

    @Test("aud may be the issuer, the token endpoint or the backchannel authentication endpoint (CIBA §7.1), nothing else, not even beside them")
    func audiences() async throws {
        let client = await AssertionClient()
        let fixture = try await fixture(client)
        for audience in [EngineFixture.issuer, EngineFixture.issuer + "/token", EngineFixture.issuer + "/backchannel/authentication"] {
            let assertion = try await client.assertion(AssertionClient.claims(now: fixture.clock.now) { $0["aud"] = .array([.string(audience)]) })
            #expect((try? await start(fixture, assertion).get()) != nil, "aud \(audience)")
        }
        // An array that also names another party is refused, whatever else it names.
        let shared = try await client.assertion(
            AssertionClient.claims(now: fixture.clock.now) { $0["aud"] = .array([.string(EngineFixture.issuer), .string("https://elsewhere.example.com")]) })
        #expect(await start(fixture, shared).failure == .clientAuthenticationFailed)
        for audience in ["https://elsewhere.example.com", EngineFixture.issuer + "/", EngineFixture.issuer + "/userinfo"] {
            let assertion = try await client.assertion(AssertionClient.claims(now: fixture.clock.now) { $0["aud"] = .string(audience) })
            #expect(await start(fixture, assertion).failure == .clientAuthenticationFailed, "aud \(audience)")
        }
    }

    @Test("the operator's log names why an assertion was refused (a fixed code); the client's answer stays invalid_client")
    func refusalReasonsLogged() async throws {
        let client = await AssertionClient()
        let log = CapturedLog()
        let fixture = try await EngineFixture.make(clients: EngineFixture.clients + [client.configuration], logger: Logger(label: "test") { _ in log })
        let now = fixture.clock.now
        let cases: [(String, String)] = [
            ("wrong_audience", try await client.assertion(AssertionClient.claims(now: now) { $0["aud"] = .string("https://elsewhere.example.com") })),
            ("expired", try await client.assertion(AssertionClient.claims(now: now) { $0["exp"] = .integer(Int(now.timeIntervalSince1970) - 600) })),
        ]
        for (reason, assertion) in cases {
            #expect(await start(fixture, assertion).failure == .clientAuthenticationFailed)
            #expect(log.entries.contains { $0.level == .info && $0.metadata.contains(reason) && $0.metadata.contains("bank") }, "\(reason)")
        }
        let secret = await fixture.engine.authenticationRequest(
            OAuthParameters([("scope", "openid"), ("login_hint", "alice")].map { (name: $0.0, value: $0.1) }),
            authorization: EngineFixture.basic("console", "not-the-secret-0042"))
        #expect(secret.failure == .clientAuthenticationFailed)
        #expect(log.entries.contains { $0.metadata.contains("secret_mismatch") && $0.metadata.contains("console") })
        _ = await fixture.engine.authenticationRequest(
            OAuthParameters([("scope", "openid"), ("login_hint", "alice")].map { (name: $0.0, value: $0.1) }),
            authorization: EngineFixture.basic("<script>nobody", "whatever-secret-0042"))
        #expect(log.entries.contains { $0.metadata.contains("unknown_client") && !$0.metadata.contains("<script>") })
    }

    @Test("a replayed assertion (the same jti) is invalid_client, even after the first one's request was made")
    func replayedJTI() async throws {
        let client = await AssertionClient()
        let fixture = try await fixture(client)
        let assertion = try await client.assertion(AssertionClient.claims(now: fixture.clock.now))
        _ = try await start(fixture, assertion).get()
        let error = try #require(await start(fixture, assertion).failure)
        #expect(error.code == "invalid_client")
        #expect(error.httpStatus == 401)
    }

    @Test("an expired assertion, one valid for longer than the policy allows, or one from the future is invalid_client")
    func times() async throws {
        let client = await AssertionClient()
        let fixture = try await fixture(client)
        let now = Int(fixture.clock.now.timeIntervalSince1970)
        let cases: [(String, (inout [String: JSONValue]) -> Void)] = [
            ("expired beyond the 30 s skew", { $0["exp"] = .integer(now - 31) }),
            ("no exp", { $0["exp"] = nil }),
            ("valid for an hour", { $0["exp"] = .integer(now + 3600) }),
            ("issued in an hour", { $0["iat"] = .integer(now + 3600); $0["exp"] = .integer(now + 3660) }),
            ("not before an hour from now", { $0["nbf"] = .integer(now + 3600) }),
        ]
        for (name, change) in cases {
            let assertion = try await client.assertion(AssertionClient.claims(now: fixture.clock.now, changing: change))
            #expect(await start(fixture, assertion).failure == .clientAuthenticationFailed, "\(name)")
        }
        // Expired within the allowed skew still passes.
        let lenient = try await client.assertion(AssertionClient.claims(now: fixture.clock.now) { $0["exp"] = .integer(now - 10) })
        #expect((try? await start(fixture, lenient).get()) != nil)
    }

    @Test("iss and sub must both be the client; a jti is required")
    func identityClaims() async throws {
        let client = await AssertionClient()
        let fixture = try await fixture(client)
        let cases: [(String, (inout [String: JSONValue]) -> Void)] = [
            ("sub another client", { $0["sub"] = .string("console") }),
            ("no sub", { $0["sub"] = nil }),
            ("no jti", { $0["jti"] = nil }),
            ("empty jti", { $0["jti"] = .string("") }),
        ]
        for (name, change) in cases {
            let assertion = try await client.assertion(AssertionClient.claims(now: fixture.clock.now, changing: change))
            #expect(await start(fixture, assertion).failure == .clientAuthenticationFailed, "\(name)")
        }
    }

    @Test("an unknown kid, another key under the registered kid, or a symmetric algorithm is invalid_client")
    func keysAndAlgorithms() async throws {
        let client = await AssertionClient()
        let fixture = try await fixture(client)
        let claims = AssertionClient.claims(now: fixture.clock.now)
        let unknownKid = try await client.assertion(claims, kid: "bank-key-2")
        #expect(await start(fixture, unknownKid).failure == .clientAuthenticationFailed)

        let impostor = JWTKeyCollection()
        await impostor.add(ecdsa: ES256PrivateKey(), kid: "bank-key-1")
        let forged = try await impostor.sign(JSONClaims(AssertionClient.claims(now: fixture.clock.now)), kid: "bank-key-1")
        #expect(await start(fixture, forged).failure == .clientAuthenticationFailed)

        // HS256 keyed with the public key's bytes: the classic algorithm confusion.
        let parameters = client.key.publicKey.parameters!
        let hmac = JWTKeyCollection()
        await hmac.add(hmac: HMACKey(from: parameters.x + parameters.y), digestAlgorithm: .sha256, kid: "bank-key-1")
        let confused = try await hmac.sign(JSONClaims(AssertionClient.claims(now: fixture.clock.now)), kid: "bank-key-1")
        #expect(await start(fixture, confused).failure == .clientAuthenticationFailed)
    }

    @Test("a client registered for one algorithm refuses assertions in another")
    func registeredAlgorithm() async throws {
        let client = await AssertionClient()
        var configuration = client.configuration
        configuration.tokenEndpointAuthSigningAlg = "PS256"
        let fixture = try await EngineFixture.make(clients: [configuration])
        let assertion = try await client.assertion(AssertionClient.claims(now: fixture.clock.now))
        #expect(await start(fixture, assertion).failure == .clientAuthenticationFailed)
    }

    @Test("a secret, or a client_id naming another client, beside an assertion is invalid_request; a secret alone is invalid_client")
    func mixedMethods() async throws {
        let client = await AssertionClient()
        let fixture = try await fixture(client)
        let assertion = try await client.assertion(AssertionClient.claims(now: fixture.clock.now))
        let withBasic = await fixture.engine.authenticationRequest(
            AssertionClient.parameters(assertion), authorization: EngineFixture.basic("console", "console-secret-0042"))
        #expect(withBasic.failure?.code == "invalid_request")
        let other = try await client.assertion(AssertionClient.claims(now: fixture.clock.now))
        let wrongId = await fixture.engine.authenticationRequest(
            AssertionClient.parameters(other, [("scope", "openid"), ("login_hint", "alice"), ("client_id", "console")]), authorization: nil)
        #expect(wrongId.failure?.code == "invalid_request")
        // A client registered for private_key_jwt only has no secret to present.
        let secret = await fixture.start([("scope", "openid"), ("login_hint", "alice")], client: ("bank", "anything-at-all-0042"))
        #expect(secret.failure == .clientAuthenticationFailed)
        // A client_secret client cannot authenticate with an assertion.
        let console = try await client.assertion(AssertionClient.claims(now: fixture.clock.now) { $0["iss"] = .string("console"); $0["sub"] = .string("console") })
        #expect(await start(fixture, console).failure == .clientAuthenticationFailed)
    }

    @Test("a private_key_jwt client without keys, or with a key lacking a kid, is refused at start-up")
    func configurationRefused() async throws {
        let client = await AssertionClient()
        var noKeys = client.configuration
        noKeys.jwks = nil
        await #expect(throws: EngineConfigurationError.self) { _ = try await EngineFixture.make(clients: [noKeys]) }
        let parameters = client.key.publicKey.parameters!
        var noKid = client.configuration
        noKid.jwks = ClientKeySet(JWKS(keys: [JWK.ecdsa(.es256, identifier: nil, x: parameters.x, y: parameters.y, curve: .p256)]))
        let error = await #expect(throws: EngineConfigurationError.self) { _ = try await EngineFixture.make(clients: [noKid]) }
        #expect(error?.field == "clients[0].jwks.keys[0].kid")
        // jwks_uri: not beside jwks (RFC 7591 §2), HTTPS only unless loopback is allowed.
        var both = client.configuration
        both.jwksUri = "https://bank.example.com/jwks.json"
        let bothError = await #expect(throws: EngineConfigurationError.self) { _ = try await EngineFixture.make(clients: [both]) }
        #expect(bothError?.field == "clients[0].jwks_uri")
        var plain = client.configuration
        plain.jwks = nil
        plain.jwksUri = "http://127.0.0.1:9/jwks.json"
        let plainError = await #expect(throws: EngineConfigurationError.self) { _ = try await EngineFixture.make(clients: [plain]) }
        #expect(plainError?.reason.contains("https") == true)
    }

    @Test("discovery lists private_key_jwt and the algorithms assertions may use")
    func discovery() async throws {
        let fixture = try await EngineFixture.make()
        let document = try JSONSerialization.jsonObject(with: fixture.engine.discoveryDocument) as? [String: Any]
        #expect((document?["token_endpoint_auth_methods_supported"] as? [String])?.contains("private_key_jwt") == true)
        #expect(document?["token_endpoint_auth_signing_alg_values_supported"] as? [String] == ["ES256", "PS256", "RS256"])
    }
}
