import BackchannelCore
import BackchannelServer
import Foundation
import Testing

@Suite("token revocation (RFC 7009) and introspection (RFC 7662)")
struct RevocationTests {
    private static let console = ("console", "console-secret-0042")
    private static let kiosk = ("kiosk", "kiosk secret/+0042")

    /// Tokens for alice, issued to console.
    private func tokens(_ fixture: EngineFixture) async throws -> TokenResponse {
        let ack = try await fixture.startOK()
        await fixture.clock.advance(by: 5)
        return try await fixture.poll(ack.authReqId).get()
    }

    private func parameters(_ pairs: [(String, String)]) -> OAuthParameters {
        OAuthParameters(pairs.map { (name: $0.0, value: $0.1) })
    }

    private func introspect(_ fixture: EngineFixture, _ token: String, as client: (String, String) = console) async throws -> [String: JSONValue] {
        try await fixture.engine.introspectionRequest(parameters([("token", token)]), authorization: EngineFixture.basic(client.0, client.1)).get()
    }

    private static let resourceServer = ("api", "api-secret-000042")

    private static func fixture() async throws -> EngineFixture {
        try await EngineFixture.make(clients: EngineFixture.clients + [ClientConfiguration(clientId: "api", clientSecret: "api-secret-000042", resourceServer: true)])
    }

    @Test("introspection of a live access token by a resource server: active, with its scope, client, subject and times")
    func activeToken() async throws {
        let fixture = try await Self.fixture()
        let tokens = try await tokens(fixture)
        let answer = try await introspect(fixture, tokens.accessToken, as: Self.resourceServer)
        #expect(answer["active"] == .bool(true))
        #expect(answer["client_id"] == .string("console"))
        #expect(answer["sub"] == .string("alice"))
        #expect(answer["scope"] == .string("openid"))
        #expect(answer["token_type"] == .string("Bearer"))
    }

    @Test("a client that is not a resource server learns nothing of another client's token; its own token it may introspect")
    func introspectionLimitedToOwnTokens() async throws {
        let fixture = try await Self.fixture()
        let tokens = try await tokens(fixture)
        #expect(try await introspect(fixture, tokens.accessToken, as: Self.kiosk) == ["active": .bool(false)])
        #expect(try await introspect(fixture, tokens.accessToken, as: Self.console)["active"] == .bool(true))
    }

    @Test("anything but a live access token of this server is only {active: false}")
    func inactiveTokens() async throws {
        let fixture = try await EngineFixture.make()
        let tokens = try await tokens(fixture)
        for token in ["garbage", (tokens.idToken ?? ""), tokens.accessToken + "x"] {
            #expect(try await introspect(fixture, token) == ["active": .bool(false)])
        }
        await fixture.clock.advance(by: 601)  // past the access token's lifetime
        #expect(try await introspect(fixture, tokens.accessToken) == ["active": .bool(false)])
    }

    @Test("a revoked access token is refused at userinfo and inactive at introspection")
    func revoked() async throws {
        let fixture = try await EngineFixture.make()
        let tokens = try await tokens(fixture)
        #expect((try? await fixture.engine.userinfoRequest(authorization: "Bearer \(tokens.accessToken)", formToken: nil).get()) != nil)
        let revoked = await fixture.engine.revocationRequest(
            parameters([("token", tokens.accessToken), ("token_type_hint", "access_token")]), authorization: EngineFixture.basic(Self.console.0, Self.console.1))
        #expect((try? revoked.get()) != nil)
        #expect(try await introspect(fixture, tokens.accessToken) == ["active": .bool(false)])
        let userinfo = await fixture.engine.userinfoRequest(authorization: "Bearer \(tokens.accessToken)", formToken: nil)
        guard case .failure(let error) = userinfo else { Issue.record("a revoked token was accepted at userinfo"); return }
        #expect(error == .invalidToken("the access token was revoked"))
    }

    @Test("another client's revocation answers success and revokes nothing; so does revoking garbage")
    func foreignRevocation() async throws {
        let fixture = try await EngineFixture.make()
        let tokens = try await tokens(fixture)
        for token in [tokens.accessToken, "garbage"] {
            let answer = await fixture.engine.revocationRequest(parameters([("token", token)]), authorization: EngineFixture.basic(Self.kiosk.0, Self.kiosk.1))
            #expect((try? answer.get()) != nil)
        }
        #expect(try await introspect(fixture, tokens.accessToken)["active"] == .bool(true))
    }

    @Test("both endpoints require an authenticated client and a token")
    func requirements() async throws {
        let fixture = try await EngineFixture.make()
        let unauthenticated = await fixture.engine.introspectionRequest(parameters([("token", "x")]), authorization: nil)
        #expect(unauthenticated.failure?.code == "invalid_client")
        let wrongSecret = await fixture.engine.revocationRequest(parameters([("token", "x")]), authorization: EngineFixture.basic("console", "wrong"))
        #expect(wrongSecret.failure?.code == "invalid_client")
        let noToken = await fixture.engine.revocationRequest(parameters([]), authorization: EngineFixture.basic(Self.console.0, Self.console.1))
        #expect(noToken.failure?.code == "invalid_request")
        let document = try JSONSerialization.jsonObject(with: fixture.engine.discoveryDocument) as? [String: Any]
        #expect(document?["revocation_endpoint"] as? String == EngineFixture.issuer + "/revoke")
        #expect(document?["introspection_endpoint"] as? String == EngineFixture.issuer + "/introspect")
    }
}
