import BackchannelCore
import BackchannelServer
import Crypto
import Foundation
import JWTKit
import Testing

/// The ID token's claims, as a relying party reads them.
struct ReadIDToken: JWTPayload {
    var iss: IssuerClaim
    var sub: SubjectClaim
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim
    var auth_time: Int
    var acr: String?
    var amr: [String]?
    var at_hash: String
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// The access token's claims (RFC 9068).
struct ReadAccessToken: JWTPayload {
    var iss: String
    var sub: String
    var aud: String
    var client_id: String
    var scope: String
    var jti: String
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

@Suite("Token endpoint")
struct TokenEndpointTests {
    @Test("polling before the user answers is authorization_pending")
    func pending() async throws {
        let fixture = try await EngineFixture.make()
        let ack = try await fixture.startOK()
        #expect(await fixture.poll(ack.authReqId).failure?.code == "authorization_pending")
    }

    @Test("polling faster than the interval is slow_down, and the interval grows by 5 seconds")
    func slowDown() async throws {
        let fixture = try await EngineFixture.make()
        let ack = try await fixture.startOK([("scope", "openid"), ("login_hint", "carol")])
        #expect(await fixture.poll(ack.authReqId).failure?.code == "authorization_pending")
        await fixture.clock.advance(by: 4)
        #expect(await fixture.poll(ack.authReqId).failure?.code == "slow_down")
        let stored = try #require(try await fixture.store.request(authReqIdHash: BackchannelEngine.authReqIdHash(ack.authReqId)))
        #expect(stored.interval == 10)
        await fixture.clock.advance(by: 9)
        #expect(await fixture.poll(ack.authReqId).failure?.code == "slow_down")
        await fixture.clock.advance(by: 15)
        #expect(await fixture.poll(ack.authReqId).failure?.code == "authorization_pending")
    }

    @Test("the engine paces polls across a configuration reload, and not at all when policy.enforce_poll_interval is off")
    func pacingAcrossReloadAndOff() async throws {
        let fixture = try await EngineFixture.make()
        let ack = try await fixture.startOK([("scope", "openid"), ("login_hint", "carol")])
        #expect(await fixture.poll(ack.authReqId).failure?.code == "authorization_pending")
        var relaxed = fixture.engine.policy
        let reloaded = try fixture.engine.reconfigured(policy: relaxed, clients: EngineFixture.clients, userDirectory: nil)
        await fixture.clock.advance(by: 1)
        let poll = OAuthParameters([("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", ack.authReqId)])
        #expect(await reloaded.tokenRequest(poll, authorization: EngineFixture.basic("console", "console-secret-0042")).failure?.code == "slow_down")
        relaxed.enforcePollInterval = false
        let unpaced = try fixture.engine.reconfigured(policy: relaxed, clients: EngineFixture.clients, userDirectory: nil)
        #expect(await unpaced.tokenRequest(poll, authorization: EngineFixture.basic("console", "console-secret-0042")).failure?.code == "authorization_pending")
        #expect(await unpaced.tokenRequest(poll, authorization: EngineFixture.basic("console", "console-secret-0042")).failure?.code == "authorization_pending")
    }

    @Test("an approved request yields tokens whose ID token verifies against the JWKS")
    func tokens() async throws {
        let fixture = try await EngineFixture.make()
        let ack = try await fixture.startOK([("scope", "openid profile"), ("login_hint", "alice@example.com")])
        await fixture.clock.advance(by: 5)
        let tokens = try await fixture.poll(ack.authReqId).get()
        #expect(tokens.tokenType == "Bearer")
        #expect(tokens.scope == "openid profile")
        #expect(tokens.expiresIn == 600)

        let keys = try await fixture.verifier()
        let idToken = try await keys.verify((tokens.idToken ?? ""), as: ReadIDToken.self)
        #expect(idToken.iss.value == EngineFixture.issuer)
        #expect(idToken.sub.value == "alice")
        #expect(idToken.aud.value == ["console"])
        #expect(idToken.acr == "urn:example:push")
        // A simulated device proves no authentication method: no amr claim.
        #expect(idToken.amr == nil)
        let now = fixture.clock.now.timeIntervalSince1970
        #expect(idToken.iat.value.timeIntervalSince1970 == now.rounded(.down))
        #expect(idToken.exp.value.timeIntervalSince1970 == now.rounded(.down) + 600)
        #expect(Double(idToken.auth_time) == (now - 3).rounded(.down))
        // OpenID Connect Core §3.1.3.6: base64url of the left half of SHA-256 of the access token.
        let digest = Data(SHA256.hash(data: Data(tokens.accessToken.utf8)).prefix(16))
        #expect(base64URLDecode(idToken.at_hash) == digest)

        let accessToken = try await keys.verify(tokens.accessToken, as: ReadAccessToken.self)
        #expect(accessToken.client_id == "console")
        #expect(accessToken.scope == "openid profile")
        #expect(accessToken.aud == EngineFixture.issuer)
        let header = try JSONDecoder().decode([String: String].self, from: base64URLDecode(String(tokens.accessToken.split(separator: ".")[0])))
        #expect(header["typ"] == "at+jwt")
        #expect(header["kid"] == fixture.engine.keys.activeKid)
    }

    @Test("a redeemed auth_req_id is invalid_grant")
    func redeemedTwice() async throws {
        let fixture = try await EngineFixture.make()
        let ack = try await fixture.startOK()
        await fixture.clock.advance(by: 5)
        _ = try await fixture.poll(ack.authReqId).get()
        await fixture.clock.advance(by: 5)
        #expect(await fixture.poll(ack.authReqId).failure?.code == "invalid_grant")
    }

    @Test("another client's auth_req_id is invalid_grant, and leaves the request redeemable by its owner")
    func foreignClient() async throws {
        let fixture = try await EngineFixture.make()
        let ack = try await fixture.startOK()
        await fixture.clock.advance(by: 5)
        #expect(await fixture.poll(ack.authReqId, client: ("kiosk", "kiosk secret/+0042")).failure?.code == "invalid_grant")
        _ = try await fixture.poll(ack.authReqId).get()
    }

    @Test("an unknown auth_req_id is invalid_grant")
    func unknownId() async throws {
        let fixture = try await EngineFixture.make()
        #expect(await fixture.poll("not-an-id").failure?.code == "invalid_grant")
    }

    @Test("a denial is access_denied with status 400")
    func denied() async throws {
        let fixture = try await EngineFixture.make()
        let ack = try await fixture.startOK([("scope", "openid"), ("login_hint", "bob")])
        await fixture.clock.advance(by: 5)
        let error = try #require(await fixture.poll(ack.authReqId).failure)
        #expect(error.code == "access_denied")
        #expect(error.httpStatus == 400)
    }

    @Test("a failed authentication is reported, not left pending")
    func failed() async throws {
        let fixture = try await EngineFixture.make()
        let ack = try await fixture.startOK([("scope", "openid"), ("login_hint", "dave")])
        await fixture.clock.advance(by: 5)
        let error = try #require(await fixture.poll(ack.authReqId).failure)
        #expect(error.code == "access_denied")
        #expect(error.errorDescription == "the authentication could not be completed")
    }

    @Test("a request past its expiry is expired_token")
    func expired() async throws {
        let fixture = try await EngineFixture.make()
        let ack = try await fixture.startOK([("scope", "openid"), ("login_hint", "carol"), ("requested_expiry", "10")])
        await fixture.clock.advance(by: 11)
        #expect(await fixture.poll(ack.authReqId).failure?.code == "expired_token")
    }

    @Test("an approval not collected before expiry is expired_token")
    func approvedThenExpired() async throws {
        let fixture = try await EngineFixture.make()
        let ack = try await fixture.startOK([("scope", "openid"), ("login_hint", "alice"), ("requested_expiry", "10")])
        await fixture.clock.advance(by: 3)
        try await fixture.waitUntilConcluded(ack.authReqId)
        await fixture.clock.advance(by: 8)
        #expect(await fixture.poll(ack.authReqId).failure?.code == "expired_token")
    }

    @Test("an approval the authenticator reports after a denial reached the store first answers the store's denial")
    func approvalLosingToADenial() async throws {
        let fixture = try await EngineFixture.make()
        let ack = try await fixture.startOK([("scope", "openid"), ("login_hint", "carol")])
        let store = fixture.store
        fixture.handler.statusOverride.withLock {
            $0 = { authReqId in
                // Between this poll's read and its conclusion, the user's denial is recorded.
                _ = try await store.conclude(authReqIdHash: authReqId.rawValue, result: .denied(reason: nil))
                return .approved(AuthenticationAttributes(subject: "carol", authTime: Date()))
            }
        }
        #expect(await fixture.poll(ack.authReqId).failure?.code == "access_denied")
        fixture.handler.statusOverride.withLock { $0 = nil }
        #expect(await fixture.poll(ack.authReqId).failure?.code == "access_denied")  // and so does every later poll
    }

    @Test("an approval the authenticator reports after the same approval reached the store yields tokens once")
    func approvalReportedTwice() async throws {
        let fixture = try await EngineFixture.make()
        let ack = try await fixture.startOK([("scope", "openid"), ("login_hint", "carol")])
        let store = fixture.store
        let approval = BackchannelAuthenticationResult.approved(AuthenticationAttributes(subject: "carol", authTime: Date()))
        fixture.handler.statusOverride.withLock {
            $0 = { authReqId in
                // The completion sink recorded it first.
                _ = try await store.conclude(authReqIdHash: authReqId.rawValue, result: approval)
                return approval
            }
        }
        let tokens = try await fixture.poll(ack.authReqId).get()
        #expect(!(tokens.idToken ?? "").isEmpty)
        #expect(await fixture.poll(ack.authReqId).failure?.code == "invalid_grant")
    }

    @Test("a missing grant_type is invalid_request; another grant type is unsupported_grant_type")
    func grantType() async throws {
        let fixture = try await EngineFixture.make()
        let auth = EngineFixture.basic("console", "console-secret-0042")
        #expect(await fixture.engine.tokenRequest(OAuthParameters([("auth_req_id", "x")]), authorization: auth).failure?.code == "invalid_request")
        #expect(
            await fixture.engine.tokenRequest(OAuthParameters([("grant_type", "password"), ("auth_req_id", "x")]), authorization: auth).failure?.code
                == "unsupported_grant_type")
        #expect(
            await fixture.engine.tokenRequest(OAuthParameters([("grant_type", "urn:openid:params:grant-type:ciba")]), authorization: auth).failure?.code
                == "invalid_request")
    }

    @Test("of 50 concurrent polls for one approved request exactly one gets tokens and 49 invalid_grant")
    func exactlyOnceRedemption() async throws {
        let fixture = try await EngineFixture.make()
        let ack = try await fixture.startOK()
        await fixture.clock.advance(by: 5)
        try await fixture.waitUntilConcluded(ack.authReqId)
        let results = await withTaskGroup(of: Result<TokenResponse, OAuthError>.self) { group in
            for _ in 0..<50 { group.addTask { await fixture.poll(ack.authReqId) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.filter { (try? $0.get()) != nil }.count == 1)
        #expect(results.compactMap(\.failure).map(\.code) == Array(repeating: "invalid_grant", count: 49))
    }
}

func base64URLDecode(_ text: String) -> Data {
    var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
    return Data(base64Encoded: base64) ?? Data()
}
