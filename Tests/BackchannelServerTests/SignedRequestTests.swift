import BackchannelCore
@testable import BackchannelServer
import Foundation
import JWTKit
import Testing

/// "teller": authenticates with its secret, signs its requests with a registered ES256 key, and must.
private struct SigningClient {
    static let secret = ("teller-signed", "teller-signed-secret-42")
    let key = ES256PrivateKey()
    let signer = JWTKeyCollection()

    init() async { await signer.add(ecdsa: key, kid: "teller-1") }

    var configuration: ClientConfiguration {
        let p = key.publicKey.parameters!
        return ClientConfiguration(
            clientId: Self.secret.0, clientSecret: Self.secret.1,
            jwks: ClientKeySet(JWKS(keys: [JWK.ecdsa(.es256, identifier: "teller-1", x: p.x, y: p.y, curve: .p256)])),
            backchannelAuthenticationRequestSigningAlg: "ES256")
    }

    static func claims(now: Date, changing change: (inout [String: JSONValue]) -> Void = { _ in }) -> [String: JSONValue] {
        let t = Int(now.timeIntervalSince1970)
        var claims: [String: JSONValue] = [
            "iss": .string(secret.0), "aud": .string(EngineFixture.issuer), "iat": .integer(t), "nbf": .integer(t), "exp": .integer(t + 300),
            "jti": .string(UUID().uuidString), "scope": .string("openid"), "login_hint": .string("alice"), "binding_message": .string("W4SP"),
            "requested_expiry": .integer(120),
        ]
        change(&claims)
        return claims
    }

    func request(_ claims: [String: JSONValue], kid: String = "teller-1") async throws -> String {
        try await signer.sign(JSONClaims(claims), kid: JWKIdentifier(string: kid))
    }
}

@Suite("signed authentication requests (CIBA §7.1.1)")
struct SignedRequestTests {
    private func start(_ fixture: EngineFixture, _ parameters: [(String, String)]) async -> Result<AuthenticationAcknowledgement, OAuthError> {
        await fixture.start(parameters, client: SigningClient.secret)
    }

    @Test("every parameter is taken from inside the signed request")
    func accepted() async throws {
        let client = await SigningClient()
        let fixture = try await EngineFixture.make(clients: [client.configuration])
        let ack = try await start(fixture, [("request", try await client.request(SigningClient.claims(now: fixture.clock.now)))]).get()
        #expect(ack.expiresIn == 120)  // requested_expiry, a number inside the JWT
        await fixture.clock.advance(by: 5)
        let tokens = try await fixture.poll(ack.authReqId, client: SigningClient.secret).get()
        #expect(!(tokens.idToken ?? "").isEmpty)
    }

    @Test("an authentication parameter beside the signed request is invalid_request")
    func parameterOutside() async throws {
        let client = await SigningClient()
        let fixture = try await EngineFixture.make(clients: [client.configuration])
        let request = try await client.request(SigningClient.claims(now: fixture.clock.now))
        #expect(await start(fixture, [("request", request), ("binding_message", "OTHER")]).failure?.code == "invalid_request")
    }

    @Test("each violation of §7.1.1 is invalid_request: aud, iss, exp, iat, nbf, jti, lifetime, age, key, signature")
    func violations() async throws {
        let client = await SigningClient()
        let fixture = try await EngineFixture.make(clients: [client.configuration])
        let t = Int(fixture.clock.now.timeIntervalSince1970)
        let cases: [(String, (inout [String: JSONValue]) -> Void)] = [
            ("aud not the issuer", { $0["aud"] = .string(EngineFixture.issuer + "/backchannel/authentication") }),
            ("iss another client", { $0["iss"] = .string("console") }),
            ("no exp", { $0["exp"] = nil }), ("no iat", { $0["iat"] = nil }), ("no nbf", { $0["nbf"] = nil }), ("no jti", { $0["jti"] = nil }),
            ("expired", { $0["exp"] = .integer(t - 60) }),
            ("not yet valid", { $0["nbf"] = .integer(t + 600); $0["exp"] = .integer(t + 900) }),
            ("valid for two hours", { $0["exp"] = .integer(t + 7200) }),
            ("issued two hours ago", { $0["iat"] = .integer(t - 7200); $0["nbf"] = .integer(t - 7200); $0["exp"] = .integer(t + 60) }),
            ("client_id inside naming another client", { $0["client_id"] = .string("console") }),
        ]
        for (name, change) in cases {
            let request = try await client.request(SigningClient.claims(now: fixture.clock.now, changing: change))
            let error = await start(fixture, [("request", request)]).failure
            #expect(error?.code == "invalid_request", "\(name)")
            #expect(error?.errorDescription.contains("console") != true, "\(name): names no input")
        }
        let unknownKid = try await client.request(SigningClient.claims(now: fixture.clock.now), kid: "teller-2")
        #expect(await start(fixture, [("request", unknownKid)]).failure?.code == "invalid_request")
        let impostor = JWTKeyCollection()
        await impostor.add(ecdsa: ES256PrivateKey(), kid: "teller-1")
        let forged = try await impostor.sign(JSONClaims(SigningClient.claims(now: fixture.clock.now)), kid: "teller-1")
        #expect(await start(fixture, [("request", forged)]).failure?.code == "invalid_request")
        #expect(await start(fixture, [("request", "not.a.jwt")]).failure?.code == "invalid_request")
    }

    @Test("a signed request is good once: its jti replayed is invalid_request")
    func replay() async throws {
        let client = await SigningClient()
        let fixture = try await EngineFixture.make(clients: [client.configuration])
        let request = try await client.request(SigningClient.claims(now: fixture.clock.now))
        _ = try await start(fixture, [("request", request)]).get()
        #expect(await start(fixture, [("request", request)]).failure == .invalidRequest("this signed authentication request was used before"))
    }

    @Test("a client registered with backchannel_authentication_request_signing_alg must sign; one without keys cannot")
    func requiredAndImpossible() async throws {
        let client = await SigningClient()
        let fixture = try await EngineFixture.make(clients: EngineFixture.clients + [client.configuration])
        #expect(await start(fixture, [("scope", "openid"), ("login_hint", "alice")]).failure?.code == "invalid_request")
        let request = try await client.request(SigningClient.claims(now: fixture.clock.now) { $0["iss"] = .string("console") })
        #expect(await fixture.start([("request", request)]).failure?.code == "invalid_request")
        let document = try JSONSerialization.jsonObject(with: fixture.engine.discoveryDocument) as? [String: Any]
        #expect(document?["backchannel_authentication_request_signing_alg_values_supported"] as? [String] == ["ES256", "PS256", "RS256"])
    }
}
