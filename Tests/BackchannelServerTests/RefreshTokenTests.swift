import BackchannelCore
import BackchannelServer
import Foundation
import JWTKit
import Synchronization
import Testing

@Suite("refresh tokens: offline_access, rotation, reuse detection")
struct RefreshTokenTests {
    static let agent = ("agent", "agent-secret-00042")
    static let clients = EngineFixture.clients + [
        ClientConfiguration(
            clientId: "agent", clientSecret: "agent-secret-00042", grantTypes: [ClientConfiguration.cibaGrantType, "refresh_token"],
            scopes: ["openid", "profile", "email", "offline_access"])
    ]

    static func fixture(policy: ServerPolicy = ServerPolicy()) async throws -> EngineFixture {
        try await EngineFixture.make(policy: policy, clients: clients)
    }

    /// alice approves a request of `client` for `scope`; the tokens of its redeeming poll.
    static func authenticate(_ fixture: EngineFixture, scope: String = "openid profile offline_access", client: (String, String) = agent) async throws -> TokenResponse {
        let ack = try await fixture.start([("scope", scope), ("login_hint", "alice")], client: client).get()
        await fixture.clock.advance(by: 5)
        return try await fixture.poll(ack.authReqId, client: client).get()
    }

    static func refresh(_ fixture: EngineFixture, _ token: String, scope: String? = nil, client: (String, String) = agent) async -> Result<TokenResponse, OAuthError> {
        var pairs = [(name: "grant_type", value: "refresh_token"), (name: "refresh_token", value: token)]
        if let scope { pairs.append((name: "scope", value: scope)) }
        return await fixture.engine.tokenRequest(OAuthParameters(pairs), authorization: EngineFixture.basic(client.0, client.1))
    }

    @Test("a client with the refresh_token grant that asks for offline_access gets a refresh token; without offline_access it gets none")
    func issuedForOfflineAccess() async throws {
        let fixture = try await Self.fixture()
        #expect(try await Self.authenticate(fixture).refreshToken != nil)
        #expect(try await Self.authenticate(fixture, scope: "openid profile").refreshToken == nil)
    }

    @Test("a client without the refresh_token grant may not ask for offline_access, nor use the grant")
    func otherClients() async throws {
        let fixture = try await Self.fixture()
        let refused = await fixture.start([("scope", "openid offline_access"), ("login_hint", "alice")])
        #expect(refused.failure?.code == "invalid_scope")
        let grant = await Self.refresh(fixture, "anything", client: ("console", "console-secret-0042"))
        #expect(grant.failure?.code == "unauthorized_client")
    }

    @Test("a refresh without refresh_token is invalid_request, and an unknown one invalid_grant")
    func malformed() async throws {
        let fixture = try await Self.fixture()
        let missing = await fixture.engine.tokenRequest(
            OAuthParameters([(name: "grant_type", value: "refresh_token")]), authorization: EngineFixture.basic(Self.agent.0, Self.agent.1))
        #expect(missing.failure == .invalidRequest("the refresh_token parameter is required"))
        #expect(await Self.refresh(fixture, "not-a-refresh-token").failure == .invalidGrant("the refresh token is invalid, expired or revoked"))
    }

    @Test("a refresh gives a new access token for the same user and a new refresh token; the old one is spent")
    func rotation() async throws {
        let fixture = try await Self.fixture()
        let first = try await Self.authenticate(fixture)
        let firstRefresh = try #require(first.refreshToken)
        await fixture.clock.advance(by: 60)
        let second = try await Self.refresh(fixture, firstRefresh).get()
        let secondRefresh = try #require(second.refreshToken)
        #expect(secondRefresh != firstRefresh)
        #expect(second.idToken == nil)
        #expect(second.scope == "openid profile offline_access")
        let claims = try await fixture.verifier().verify(second.accessToken, as: AccessClaims.self)
        #expect(claims.sub == "alice" && claims.client_id == "agent")
        let userinfo = try await fixture.engine.userinfoRequest(authorization: "Bearer \(second.accessToken)", formToken: nil).get()
        #expect(userinfo["name"] == .string("Alice Liddell"))
        // The new one works in turn.
        #expect(try await Self.refresh(fixture, secondRefresh).get().refreshToken != nil)
    }

    @Test("a spent refresh token presented again is invalid_grant and revokes its whole family, the newest token included")
    func reuseRevokesFamily() async throws {
        let fixture = try await Self.fixture()
        let first = try #require(try await Self.authenticate(fixture).refreshToken)
        let second = try #require(try await Self.refresh(fixture, first).get().refreshToken)
        let replay = await Self.refresh(fixture, first)
        #expect(replay.failure == .invalidGrant("the refresh token is invalid, expired or revoked"))
        #expect(await Self.refresh(fixture, second).failure?.code == "invalid_grant")
        // Another authentication's family is untouched.
        let other = try #require(try await Self.authenticate(fixture).refreshToken)
        #expect(try await Self.refresh(fixture, other).get().refreshToken != nil)
    }

    @Test("of two concurrent refreshes with one token, one succeeds and the family is then revoked")
    func concurrentReuse() async throws {
        let fixture = try await Self.fixture()
        let token = try #require(try await Self.authenticate(fixture).refreshToken)
        async let a = Self.refresh(fixture, token)
        async let b = Self.refresh(fixture, token)
        let results = await [a, b]
        let winners = results.compactMap { try? $0.get().refreshToken }
        #expect(winners.count == 1)
        #expect(await Self.refresh(fixture, winners[0]).failure?.code == "invalid_grant")
    }

    @Test("a narrower scope narrows the access token only; a wider one is invalid_scope and spends nothing")
    func scopes() async throws {
        let fixture = try await Self.fixture()
        let token = try #require(try await Self.authenticate(fixture).refreshToken)
        let wider = await Self.refresh(fixture, token, scope: "openid email")
        #expect(wider.failure?.code == "invalid_scope")
        let narrow = try await Self.refresh(fixture, token, scope: "openid").get()
        #expect(narrow.scope == "openid")
        let full = try await Self.refresh(fixture, try #require(narrow.refreshToken)).get()
        #expect(full.scope == "openid profile offline_access")
    }

    @Test("another client's refresh token is invalid_grant and stays usable by its owner")
    func otherClientsToken() async throws {
        let clients = Self.clients + [
            ClientConfiguration(
                clientId: "agent2", clientSecret: "agent2-secret-0042", grantTypes: [ClientConfiguration.cibaGrantType, "refresh_token"],
                scopes: ["openid", "offline_access"])
        ]
        let fixture = try await EngineFixture.make(clients: clients)
        let token = try #require(try await Self.authenticate(fixture).refreshToken)
        #expect(await Self.refresh(fixture, token, client: ("agent2", "agent2-secret-0042")).failure?.code == "invalid_grant")
        #expect(try await Self.refresh(fixture, token).get().refreshToken != nil)
    }

    @Test("a refresh token expires after refresh_token_lifetime, and its family after refresh_token_max_lifetime however often it rotates")
    func lifetimes() async throws {
        var policy = ServerPolicy()
        policy.refreshTokenLifetime = 100
        policy.refreshTokenMaxLifetime = 250
        let fixture = try await Self.fixture(policy: policy)
        let idle = try #require(try await Self.authenticate(fixture).refreshToken)
        await fixture.clock.advance(by: 101)
        #expect(await Self.refresh(fixture, idle).failure?.code == "invalid_grant")

        var token = try #require(try await Self.authenticate(fixture).refreshToken)
        for _ in 0..<2 {
            await fixture.clock.advance(by: 90)
            token = try #require(try await Self.refresh(fixture, token).get().refreshToken)
        }
        await fixture.clock.advance(by: 90)  // 270 s after the authentication
        #expect(await Self.refresh(fixture, token).failure?.code == "invalid_grant")
    }

    @Test("revoking a refresh token (RFC 7009) ends its family; another client's revocation ends nothing")
    func revocation() async throws {
        let fixture = try await Self.fixture()
        let token = try #require(try await Self.authenticate(fixture).refreshToken)
        let foreign = await fixture.engine.revocationRequest(
            OAuthParameters([(name: "token", value: token)]), authorization: EngineFixture.basic("console", "console-secret-0042"))
        #expect((try? foreign.get()) != nil)
        let next = try #require(try await Self.refresh(fixture, token).get().refreshToken)
        let revoked = await fixture.engine.revocationRequest(
            OAuthParameters([(name: "token", value: next), (name: "token_type_hint", value: "refresh_token")]),
            authorization: EngineFixture.basic(Self.agent.0, Self.agent.1))
        #expect((try? revoked.get()) != nil)
        #expect(await Self.refresh(fixture, next).failure?.code == "invalid_grant")
    }
}

/// What the tests read of an access token.
private struct AccessClaims: JWTPayload {
    var sub: String
    var client_id: String
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// A plugin-state store that keeps a copy of every key and value written to it, as text.
final class RecordingStateStore: PluginStateStore, Sendable {
    private let inner = InMemoryPluginStateStore()
    private let log = Mutex<[String]>([])
    var written: [String] { log.withLock { $0 } }

    func insert(_ record: PluginStateRecord) async throws -> Bool {
        log.withLock { $0 += [record.key, String(decoding: record.value, as: UTF8.self), record.group ?? ""] }
        return try await inner.insert(record)
    }
    func record(namespace: String, key: String) async throws -> PluginStateRecord? { try await inner.record(namespace: namespace, key: key) }
    func records(namespace: String, group: String) async throws -> [PluginStateRecord] { try await inner.records(namespace: namespace, group: group) }
    func replace(namespace: String, key: String, expected: Data, with value: Data, group: String?) async throws -> Bool {
        log.withLock { $0 += [key, String(decoding: value, as: UTF8.self), group ?? ""] }
        return try await inner.replace(namespace: namespace, key: key, expected: expected, with: value, group: group)
    }
    func delete(namespace: String, key: String) async throws { try await inner.delete(namespace: namespace, key: key) }
    func delete(namespace: String, keys: [String]) async throws { try await inner.delete(namespace: namespace, keys: keys) }
    func purgeExpired(now: Date) async throws -> Int { try await inner.purgeExpired(now: now) }
}
