import BackchannelCore
import BackchannelServer
import Foundation
import JWTKit
import Testing

/// The UserInfo endpoint (OpenID Connect Core §5.3), the `claims` parameter (§5.5), and the
/// authorization endpoint discovery lists for strict client libraries.
@Suite("UserInfo and requested claims")
struct UserinfoTests {
    /// Runs alice's flow with `parameters` added, to tokens.
    private func tokens(_ fixture: EngineFixture, scope: String = "openid", extra: [(String, String)] = []) async throws -> TokenResponse {
        let ack = try await fixture.startOK([("scope", scope), ("login_hint", "alice")] + extra)
        await fixture.clock.advance(by: 5)
        return try await fixture.poll(ack.authReqId).get()
    }

    private func userinfo(_ fixture: EngineFixture, _ accessToken: String) async -> Result<[String: JSONValue], BearerTokenError> {
        await fixture.engine.userinfoRequest(authorization: "Bearer \(accessToken)", formToken: nil)
    }

    @Test("UserInfo answers sub and the claims the granted scopes cover, from the user directory")
    func scopedClaims() async throws {
        let fixture = try await EngineFixture.make()
        let issued = try await tokens(fixture, scope: "openid email")
        let claims = try await userinfo(fixture, issued.accessToken).get()
        #expect(claims == ["sub": .string("alice"), "email": .string("alice@example.com"), "email_verified": .bool(true)])
    }

    @Test("profile releases only the profile claims the directory holds, and nothing of scopes not granted")
    func onlyKnownValues() async throws {
        let fixture = try await EngineFixture.make()
        let issued = try await tokens(fixture, scope: "openid profile")
        let claims = try await userinfo(fixture, issued.accessToken).get()
        #expect(claims == ["sub": .string("alice"), "name": .string("Alice Liddell")])
    }

    @Test("the claims parameter puts claims in the ID token and adds UserInfo claims beyond the granted scopes")
    func claimsParameter() async throws {
        let fixture = try await EngineFixture.make()
        let request = #"{"id_token":{"email":null,"name":{"essential":true},"shoe_size":null},"userinfo":{"email_verified":null}}"#
        let issued = try await tokens(fixture, extra: [("claims", request)])
        let payload = try idTokenPayload(issued)
        #expect(payload["email"] == .string("alice@example.com"))
        #expect(payload["name"] == .string("Alice Liddell"))
        #expect(payload["shoe_size"] == nil)
        let claims = try await userinfo(fixture, issued.accessToken).get()
        #expect(claims == ["sub": .string("alice"), "email_verified": .bool(true)])
    }

    @Test("the claims parameter releases no claim that no scope the client may request carries (OIDC Core §5.4, §5.5)")
    func claimsParameterBoundByClientScopes() async throws {
        let narrow = ClientConfiguration(clientId: "narrow", clientSecret: "narrow-secret-0042", scopes: ["openid", "email"])
        let fixture = try await EngineFixture.make(clients: EngineFixture.clients + [narrow])
        let asked = ["email", "phone_number", "address", "birthdate", "name"].map { #""\#($0)":null"# }.joined(separator: ",")
        let request = #"{"id_token":{\#(asked)},"userinfo":{\#(asked)}}"#
        let ack = try await fixture.start([("scope", "openid"), ("login_hint", "alice"), ("claims", request)], client: ("narrow", "narrow-secret-0042")).get()
        await fixture.clock.advance(by: 5)
        let issued = try await fixture.poll(ack.authReqId, client: ("narrow", "narrow-secret-0042")).get()
        let payload = try idTokenPayload(issued)
        #expect(payload["email"] == .string("alice@example.com"))
        for name in ["phone_number", "address", "birthdate", "name"] { #expect(payload[name] == nil, "\(name) in the ID token") }
        let claims = try await userinfo(fixture, issued.accessToken).get()
        #expect(claims == ["sub": .string("alice"), "email": .string("alice@example.com")])
    }

    private func idTokenPayload(_ issued: TokenResponse) throws -> [String: JSONValue] {
        try JSONDecoder().decode([String: JSONValue].self, from: Data(base64URL: String((issued.idToken ?? "").split(separator: ".")[1]))!)
    }

    @Test("a claims parameter that is not the object §5.5 describes is invalid_request", arguments: [
        "[1]", "not json", #"{"id_token":["email"]}"#, #"{"userinfo":{"email":true}}"#,
        #"{"id_token":{"email":null,"pad":""# + String(repeating: "x", count: 5000) + #""}}"#,
    ])
    func malformedClaims(_ parameter: String) async throws {
        let fixture = try await EngineFixture.make()
        let result = await fixture.start([("scope", "openid"), ("login_hint", "alice"), ("claims", parameter)])
        #expect(throws: OAuthError.self) { try result.get() }
        if case .failure(let error) = result { #expect(error.code == "invalid_request") }
    }

    @Test("without a token: 401 with a bare Bearer challenge and no error code")
    func missingToken() async throws {
        let fixture = try await EngineFixture.make()
        let result = await fixture.engine.userinfoRequest(authorization: nil, formToken: nil)
        #expect(throws: BearerTokenError.missingToken) { try result.get() }
        #expect(BearerTokenError.missingToken.httpStatus == 401)
        #expect(BearerTokenError.missingToken.challenge == #"Bearer realm="backchannel""#)
    }

    @Test("an ID token, a token of another signer, or a mangled token is invalid_token (401)")
    func notAnAccessToken() async throws {
        let fixture = try await EngineFixture.make()
        let issued = try await tokens(fixture)
        let other = try await EngineFixture.make()
        let foreign = try await tokens(other)
        for token in [(issued.idToken ?? ""), foreign.accessToken, String(issued.accessToken.dropLast(2)), "abc"] {
            let result = await userinfo(fixture, token)
            guard case .failure(let error) = result else {
                Issue.record("accepted \(token.prefix(20))…")
                continue
            }
            #expect(error.code == "invalid_token")
            #expect(error.httpStatus == 401)
        }
    }

    @Test("an expired access token is invalid_token")
    func expiredToken() async throws {
        let fixture = try await EngineFixture.make()
        let issued = try await tokens(fixture)
        _ = try await self.userinfo(fixture, issued.accessToken).get()
        await fixture.clock.advance(by: TimeInterval(issued.expiresIn))
        let result = await userinfo(fixture, issued.accessToken)
        #expect(throws: BearerTokenError.invalidToken("the access token has expired")) { try result.get() }
    }

    @Test("a token sent in the header and the form at once is invalid_request (400)")
    func twoWays() async throws {
        let fixture = try await EngineFixture.make()
        let issued = try await tokens(fixture)
        let result = await fixture.engine.userinfoRequest(authorization: "Bearer \(issued.accessToken)", formToken: issued.accessToken)
        guard case .failure(let error) = result else { Issue.record("accepted"); return }
        #expect(error.code == "invalid_request")
        #expect(error.httpStatus == 400)
    }

    @Test("the authorization endpoint refuses every request without redirecting: unsupported_response_type, or invalid_request for none")
    func authorizationEndpoint() async throws {
        let fixture = try await EngineFixture.make()
        #expect(fixture.engine.authorizationRequest(responseType: "code").code == "unsupported_response_type")
        #expect(fixture.engine.authorizationRequest(responseType: nil).code == "unsupported_response_type")
        #expect(fixture.engine.authorizationRequest(responseType: "none").code == "invalid_request")
    }
}

extension Data {
    init?(base64URL text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        self.init(base64Encoded: base64)
    }
}
