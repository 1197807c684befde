import BackchannelServer
import Foundation
import JWTKit
import Testing

@Suite("id_token_hint")
struct IDTokenHintTests {
    /// Runs alice's flow to get an ID token this server issued to `console`.
    private func idToken(from fixture: EngineFixture, client: (String, String) = ("console", "console-secret-0042")) async throws -> String {
        let ack = try await fixture.start([("scope", "openid"), ("login_hint", "alice")], client: client).get()
        await fixture.clock.advance(by: 5)
        return try await fixture.poll(ack.authReqId, client: client).get().idToken ?? ""
    }

    private func hinted(_ fixture: EngineFixture, _ token: String) async -> Result<AuthenticationAcknowledgement, OAuthError> {
        await fixture.start([("scope", "openid"), ("id_token_hint", token)])
    }

    @Test("an ID token this server issued to the client names the user")
    func valid() async throws {
        let fixture = try await EngineFixture.make()
        let token = try await idToken(from: fixture)
        let ack = try await hinted(fixture, token).get()
        let stored = try #require(try await fixture.store.request(authReqIdHash: BackchannelEngine.authReqIdHash(ack.authReqId)))
        #expect(stored.state == .pending)
        #expect(try await fixture.push.pendingNotifications(subject: "alice").count == 1)
    }

    @Test("an expired ID token is still accepted as a hint")
    func expiredAccepted() async throws {
        let fixture = try await EngineFixture.make()
        let token = try await idToken(from: fixture)
        await fixture.clock.advance(by: 3600)
        _ = try await hinted(fixture, token).get()
    }

    @Test("an ID token issued to another client is invalid_request")
    func otherAudience() async throws {
        let fixture = try await EngineFixture.make()
        let token = try await idToken(from: fixture, client: ("kiosk", "kiosk secret/+0042"))
        #expect(await hinted(fixture, token).failure?.code == "invalid_request")
    }

    @Test("a tampered ID token is invalid_request")
    func tampered() async throws {
        let fixture = try await EngineFixture.make()
        let parts = try await idToken(from: fixture).split(separator: ".").map(String.init)
        var claims = try JSONSerialization.jsonObject(with: base64URLDecode(parts[1])) as! [String: Any]
        claims["sub"] = "bob"
        let forgedPayload = try JSONSerialization.data(withJSONObject: claims).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        #expect(await hinted(fixture, [parts[0], forgedPayload, parts[2]].joined(separator: ".")).failure?.code == "invalid_request")
    }

    @Test("garbage is invalid_request", arguments: ["not-a-jwt", "a.b.c", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9."])
    func garbage(token: String) async throws {
        let fixture = try await EngineFixture.make()
        #expect(await hinted(fixture, token).failure?.code == "invalid_request")
    }

    @Test("an ID token from another issuer, signed with the same key, is invalid_request")
    func otherIssuer() async throws {
        let keys = try await SigningKeySet.load([], dataDirectory: nil)
        let other = try await EngineFixture.make(keys: keys, issuer: "https://elsewhere.example.com")
        let token = try await idToken(from: other)
        let fixture = try await EngineFixture.make(keys: keys)
        #expect(await hinted(fixture, token).failure?.code == "invalid_request")
    }

    /// The claims of a hint, for forging one.
    private struct HintClaims: JWTPayload {
        var iss: IssuerClaim
        var sub: SubjectClaim
        var aud: AudienceClaim
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    @Test("a retired key's hints: refused by default; verified with its public half when policy allows; a forged one is refused")
    func retiredKey() async throws {
        let old = ES256PrivateKey()
        let oldKeys = try await SigningKeySet.load([SigningKeyConfiguration(kid: "old", privateKeyPem: old.pemRepresentation)], keyStore: nil)
        let token = try await idToken(from: try await EngineFixture.make(keys: oldKeys))
        let rotated: [SigningKeyConfiguration] = [
            SigningKeyConfiguration(kid: "new", privateKeyPem: ES256PrivateKey().pemRepresentation),
            SigningKeyConfiguration(kid: "old", publicKeyPem: old.publicKey.pemRepresentation),
        ]
        let keys = try await SigningKeySet.load(rotated, keyStore: nil)
        #expect(keys.kids == ["new"])
        #expect(await hinted(try await EngineFixture.make(keys: keys), token).failure?.code == "invalid_request")

        var policy = ServerPolicy()
        policy.acceptIdTokenHintsFromRetiredKeys = true
        let lenient = try await EngineFixture.make(policy: policy, keys: keys)
        _ = try await hinted(lenient, token).get()

        // The same claims signed by a key the attacker made, under the retired kid or an unknown one.
        for kid in ["old", "unknown"] {
            let forger = JWTKeyCollection()
            await forger.add(ecdsa: ES256PrivateKey(), kid: JWKIdentifier(string: kid))
            let forged = try await forger.sign(
                HintClaims(iss: IssuerClaim(value: EngineFixture.issuer), sub: SubjectClaim(value: "bob"), aud: AudienceClaim(value: ["console"])))
            #expect(await hinted(lenient, forged).failure?.code == "invalid_request")
        }
    }
}
