import BackchannelServer
import Foundation
import Testing

@Suite("Backchannel authentication request validation")
struct AuthenticationRequestTests {
    private func error(_ parameters: [(String, String)], policy: ServerPolicy = ServerPolicy()) async throws -> OAuthError {
        let fixture = try await EngineFixture.make(policy: policy)
        return try #require(await fixture.start(parameters).failure)
    }

    @Test("an accepted request answers a 256-bit base64url auth_req_id, expires_in and interval")
    func acknowledgement() async throws {
        let fixture = try await EngineFixture.make()
        let ack = try await fixture.startOK()
        #expect(ack.authReqId.count == 43)
        #expect(ack.authReqId.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        #expect(ack.expiresIn == 300)
        #expect(ack.interval == 5)
    }

    @Test("only the auth_req_id's hash is stored")
    func storesHashOnly() async throws {
        let fixture = try await EngineFixture.make()
        let ack = try await fixture.startOK()
        #expect(try await fixture.store.request(authReqIdHash: ack.authReqId) == nil)
        #expect(try await fixture.store.request(authReqIdHash: BackchannelEngine.authReqIdHash(ack.authReqId)) != nil)
    }

    @Test("a missing scope is invalid_request")
    func missingScope() async throws {
        #expect(try await error([("login_hint", "alice")]).code == "invalid_request")
    }

    @Test("a scope without openid is invalid_scope")
    func scopeWithoutOpenID() async throws {
        #expect(try await error([("scope", "profile"), ("login_hint", "alice")]).code == "invalid_scope")
    }

    @Test("a scope beyond the client's is invalid_scope")
    func scopeBeyondClient() async throws {
        #expect(try await error([("scope", "openid admin"), ("login_hint", "alice")]).code == "invalid_scope")
    }

    @Test("repeated scopes are granted once, in order")
    func scopesDeduplicated() async throws {
        let fixture = try await EngineFixture.make()
        let ack = try await fixture.startOK([("scope", "openid profile  openid"), ("login_hint", "alice")])
        let stored = try #require(try await fixture.store.request(authReqIdHash: BackchannelEngine.authReqIdHash(ack.authReqId)))
        #expect(stored.scopes == ["openid", "profile"])
    }

    @Test("no hint is invalid_request")
    func noHint() async throws {
        #expect(try await error([("scope", "openid")]).code == "invalid_request")
    }

    @Test("two different hints are invalid_request")
    func twoHints() async throws {
        #expect(try await error([("scope", "openid"), ("login_hint", "alice"), ("login_hint_token", "x")]).code == "invalid_request")
    }

    @Test("a repeated parameter is invalid_request")
    func repeatedParameter() async throws {
        #expect(try await error([("scope", "openid"), ("login_hint", "alice"), ("login_hint", "bob")]).code == "invalid_request")
    }

    @Test("an unknown user is unknown_user_id and leaves nothing stored")
    func unknownUser() async throws {
        let fixture = try await EngineFixture.make()
        let error = try #require(await fixture.start([("scope", "openid"), ("login_hint", "mallory")]).failure)
        #expect(error.code == "unknown_user_id")
        #expect(error.httpStatus == 400)
        #expect(fixture.store.count == 0)
    }

    @Test("a binding message longer than the policy allows is invalid_binding_message")
    func longBindingMessage() async throws {
        var policy = ServerPolicy()
        policy.bindingMessageMaxLength = 8
        #expect(try await error([("scope", "openid"), ("login_hint", "alice"), ("binding_message", "123456789")], policy: policy).code == "invalid_binding_message")
    }

    @Test("a blank binding message (only spaces) is invalid_binding_message", arguments: [" ", "\u{3000}\u{00A0} "])
    func blankBindingMessage(_ message: String) async throws {
        #expect(try await error([("scope", "openid"), ("login_hint", "alice"), ("binding_message", message)]).code == "invalid_binding_message")
    }

    @Test("a binding message with a line break is invalid_binding_message")
    func controlCharacterInBindingMessage() async throws {
        #expect(try await error([("scope", "openid"), ("login_hint", "alice"), ("binding_message", "Pay\nnow")]).code == "invalid_binding_message")
    }

    @Test("a binding message in any script is accepted")
    func unicodeBindingMessage() async throws {
        let fixture = try await EngineFixture.make()
        _ = try await fixture.startOK([("scope", "openid"), ("login_hint", "alice"), ("binding_message", "Überweisung 42 — ok ✓")])
    }

    @Test("a client registered for user codes must send one: missing_user_code")
    func missingUserCode() async throws {
        let fixture = try await EngineFixture.make()
        let result = await fixture.start([("scope", "openid"), ("login_hint", "alice")], client: ("teller", "teller-secret-0042"))
        #expect(result.failure?.code == "missing_user_code")
        _ = try await fixture.start([("scope", "openid"), ("login_hint", "alice"), ("user_code", "1234")], client: ("teller", "teller-secret-0042")).get()
    }

    @Test("requested_expiry must be a positive integer", arguments: ["0", "-5", "abc", "1.5", "1e3", "99999999999"])
    func badRequestedExpiry(value: String) async throws {
        #expect(try await error([("scope", "openid"), ("login_hint", "alice"), ("requested_expiry", value)]).code == "invalid_request")
    }

    @Test("requested_expiry is honoured and capped by policy")
    func requestedExpiry() async throws {
        let fixture = try await EngineFixture.make()
        #expect(try await fixture.startOK([("scope", "openid"), ("login_hint", "alice"), ("requested_expiry", "60")]).expiresIn == 60)
        #expect(try await fixture.startOK([("scope", "openid"), ("login_hint", "alice"), ("requested_expiry", "86400")]).expiresIn == 1800)
    }

    @Test("signed requests are refused with invalid_request")
    func signedRequest() async throws {
        #expect(try await error([("request", "eyJ.eyJ.sig")]).code == "invalid_request")
    }

    @Test("error descriptions never echo request input")
    func noReflection() async throws {
        let marker = "<img src=x onerror=alert(1)>"
        let errors = [
            try await error([("scope", "openid \(marker)"), ("login_hint", "alice")]),
            try await error([("scope", "openid"), ("login_hint", marker)]),
            try await error([("scope", "openid"), ("login_hint", "alice"), ("requested_expiry", marker)]),
            try await error([("scope", "openid"), ("login_hint", "alice"), ("binding_message", marker + "\n")]),
        ]
        for error in errors { #expect(!error.errorDescription.contains("onerror")) }
    }
}
