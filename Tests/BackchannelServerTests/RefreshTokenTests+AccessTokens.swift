import BackchannelCore
import BackchannelServer
import Foundation
import JWTKit
import Synchronization
import Testing

/// Refresh tokens and the access tokens of their family: revocation, reuse and a changed registration end both.
extension RefreshTokenTests {
    private static func userinfo(_ engine: BackchannelEngine, _ accessToken: String) async -> Result<[String: JSONValue], BearerTokenError> {
        await engine.userinfoRequest(authorization: "Bearer \(accessToken)", formToken: nil)
    }

    private static func introspect(_ fixture: EngineFixture, _ accessToken: String) async throws -> JSONValue? {
        try await fixture.engine.introspectionRequest(
            OAuthParameters([(name: "token", value: accessToken)]), authorization: EngineFixture.basic(agent.0, agent.1)
        ).get()["active"]
    }

    @Test("revoking a refresh token (RFC 7009) ends the access tokens of its family too, at UserInfo and introspection")
    func revocationEndsAccessTokens() async throws {
        let fixture = try await Self.fixture()
        let first = try await Self.authenticate(fixture)
        let refreshed = try await Self.refresh(fixture, try #require(first.refreshToken)).get()
        for token in [first.accessToken, refreshed.accessToken] { _ = try await Self.userinfo(fixture.engine, token).get() }
        _ = try await fixture.engine.revocationRequest(
            OAuthParameters([(name: "token", value: try #require(refreshed.refreshToken))]), authorization: EngineFixture.basic(Self.agent.0, Self.agent.1)
        ).get()
        for token in [first.accessToken, refreshed.accessToken] {
            #expect(await Self.userinfo(fixture.engine, token).failure == .invalidToken("the access token was revoked"))
            #expect(try await Self.introspect(fixture, token) == .bool(false))
        }
        // Another authentication's tokens are untouched.
        _ = try await Self.userinfo(fixture.engine, try await Self.authenticate(fixture).accessToken).get()
    }

    @Test("a detected reuse ends the access tokens of the family, so a thief keeps no UserInfo access")
    func reuseEndsAccessTokens() async throws {
        let fixture = try await Self.fixture()
        let first = try await Self.authenticate(fixture)
        let stolen = try #require(first.refreshToken)
        let thief = try await Self.refresh(fixture, stolen).get()
        #expect(await Self.refresh(fixture, stolen).failure?.code == "invalid_grant")
        #expect(await Self.userinfo(fixture.engine, thief.accessToken).failure == .invalidToken("the access token was revoked"))
        #expect(await Self.userinfo(fixture.engine, first.accessToken).failure == .invalidToken("the access token was revoked"))
    }

    @Test("a spent refresh token probed with a scope beyond the grant is a reuse (invalid_grant, family revoked), not invalid_scope")
    func spentTokenProbedWithWideScope() async throws {
        let fixture = try await Self.fixture()
        let first = try #require(try await Self.authenticate(fixture).refreshToken)
        let next = try #require(try await Self.refresh(fixture, first).get().refreshToken)
        #expect(await Self.refresh(fixture, first, scope: "openid email phone").failure?.code == "invalid_grant")
        #expect(await Self.refresh(fixture, next).failure?.code == "invalid_grant")
    }

    @Test("a refresh for a user no longer in the directory is invalid_grant and ends the family")
    func removedUser() async throws {
        let fixture = try await Self.fixture()
        let token = try #require(try await Self.authenticate(fixture).refreshToken)
        let withoutAlice = try fixture.engine.reconfigured(
            policy: ServerPolicy(), clients: Self.clients, userDirectory: StaticUserDirectory([DirectoryUser(subject: "bob")]))
        let pairs = [(name: "grant_type", value: "refresh_token"), (name: "refresh_token", value: token)]
        let refused = await withoutAlice.tokenRequest(OAuthParameters(pairs), authorization: EngineFixture.basic(Self.agent.0, Self.agent.1))
        #expect(refused.failure?.code == "invalid_grant")
        // The family is gone for the engine that still knows alice, too.
        #expect(await Self.refresh(fixture, token).failure?.code == "invalid_grant")
    }

    @Test("a refresh grants only the scopes the client may still request: a narrowed registration narrows the access token")
    func narrowedRegistration() async throws {
        let fixture = try await Self.fixture()
        let token = try #require(try await Self.authenticate(fixture).refreshToken)
        let narrowed = EngineFixture.clients + [
            ClientConfiguration(
                clientId: "agent", clientSecret: "agent-secret-00042", grantTypes: [ClientConfiguration.cibaGrantType, "refresh_token"],
                scopes: ["openid", "offline_access"])
        ]
        let engine = try fixture.engine.reconfigured(policy: ServerPolicy(), clients: narrowed, userDirectory: StaticUserDirectory([DirectoryUser(subject: "alice")]))
        let refreshed = try await engine.tokenRequest(
            OAuthParameters([(name: "grant_type", value: "refresh_token"), (name: "refresh_token", value: token)]),
            authorization: EngineFixture.basic(Self.agent.0, Self.agent.1)
        ).get()
        #expect(refreshed.scope == "openid offline_access")
    }

    @Test("refresh tokens are stored only as hashes")
    func storedHashed() async throws {
        let store = RecordingStateStore()
        let fixture = try await EngineFixture.make(clients: Self.clients, replayStore: store)
        let first = try #require(try await Self.authenticate(fixture).refreshToken)
        let second = try #require(try await Self.refresh(fixture, first).get().refreshToken)
        let written = store.written
        #expect(written.count >= 3)  // a family, two tokens, one of them spent
        for bytes in written {
            for token in [first, second] { #expect(!bytes.contains(token)) }
        }
    }

    @Test("a misconfigured client is refused at start-up: offline_access without the grant, the grant without offline_access, or in push mode")
    func startupChecks() async throws {
        let cases: [(ClientConfiguration, String)] = [
            (ClientConfiguration(clientId: "a", clientSecret: "a-secret-000000042", scopes: ["openid", "offline_access"]), "clients[0].grant_types"),
            (ClientConfiguration(clientId: "a", clientSecret: "a-secret-000000042", grantTypes: [ClientConfiguration.cibaGrantType, "refresh_token"]), "clients[0].scopes"),
            (ClientConfiguration(
                clientId: "a", clientSecret: "a-secret-000000042", grantTypes: [ClientConfiguration.cibaGrantType, "refresh_token"],
                backchannelTokenDeliveryMode: .push, backchannelClientNotificationEndpoint: "https://client.example.com/cb",
                scopes: ["openid", "offline_access"]), "clients[0].grant_types"),
        ]
        for (client, field) in cases {
            let error = await #expect(throws: EngineConfigurationError.self) { try await EngineFixture.make(clients: [client]) }
            #expect(error?.field == field)
        }
    }

    @Test("discovery lists the refresh_token grant and the offline_access scope when a client may use them")
    func discovery() async throws {
        let fixture = try await Self.fixture()
        let document = try JSONDecoder().decode([String: JSONValue].self, from: fixture.engine.discoveryDocument)
        #expect(document["grant_types_supported"] == .array([.string(ClientConfiguration.cibaGrantType), .string("refresh_token")]))
        guard case .array(let scopes) = document["scopes_supported"] else { Issue.record("no scopes_supported"); return }
        #expect(scopes.contains(.string("offline_access")))
    }
}
