import BackchannelCore
import BackchannelServer
import Foundation
import Hummingbird
import JWTKit
import MockPushAuthenticator
import Testing

@testable import BackchannelHost

/// What a relying party checks in an ID token.
struct RelyingPartyIDToken: JWTPayload {
    var iss: IssuerClaim
    var sub: SubjectClaim
    var aud: AudienceClaim
    var exp: ExpirationClaim
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

@Suite("backchanneld end to end over HTTP", .timeLimit(.minutes(1)))
struct EndToEndTests {
    @Test("alice approves: the tokens' ID token verifies against the JWKS the server publishes")
    func alice() async throws {
        try await DemoServer.make().run { http in
            let ack = try await http.start("alice", [("binding_message", "W4SP")])
            #expect(ack.status == .ok)
            #expect(ack.headers[.cacheControl] == "no-store")
            let id = try #require(ack.json["auth_req_id"]?.stringValue)
            #expect(ack.json["expires_in"] == .integer(300))
            #expect(ack.json["interval"] == .integer(5))
            #expect(try await http.poll(id).error == "authorization_pending")
            await http.clock.advance(by: 5)
            let tokens = try await http.poll(id)
            #expect(tokens.status == .ok)
            #expect(tokens.headers[.cacheControl] == "no-store")
            #expect(tokens.json["token_type"] == .string("Bearer"))

            let discovery = try await http.send("/.well-known/openid-configuration", method: .get)
            let issuer = try #require(discovery.json["issuer"]?.stringValue)
            let jwks = try await http.send("/jwks", method: .get)
            let keys = try await JWTKeyCollection().add(jwks: JSONDecoder().decode(JWKS.self, from: Data(jwks.text.utf8)))
            let idToken = try await keys.verify(try #require(tokens.json["id_token"]?.stringValue), as: RelyingPartyIDToken.self)
            #expect(idToken.iss.value == issuer)
            #expect(idToken.sub.value == "alice")
            #expect(idToken.aud.value == [EmbeddedDefaults.clientId])
            #expect(idToken.exp.value > http.clock.now)
        }
    }

    @Test("bob denies: access_denied")
    func bob() async throws {
        try await DemoServer.make().run { http in
            let id = try #require(try await http.start("bob").json["auth_req_id"]?.stringValue)
            await http.clock.advance(by: 5)
            let answer = try await http.poll(id)
            #expect(answer.status == .badRequest)
            #expect(answer.error == "access_denied")
        }
    }

    @Test("carol never answers: with a short requested_expiry the poll gets expired_token")
    func carol() async throws {
        try await DemoServer.make().run { http in
            let ack = try await http.start("carol", [("requested_expiry", "3")])
            #expect(ack.json["expires_in"] == .integer(3))
            let id = try #require(ack.json["auth_req_id"]?.stringValue)
            await http.clock.advance(by: 4)
            #expect(try await http.poll(id).error == "expired_token")
        }
    }

    @Test("an unknown user: unknown_user_id")
    func unknownUser() async throws {
        try await DemoServer.make().run { http in
            let answer = try await http.start("mallory")
            #expect(answer.status == .badRequest)
            #expect(answer.error == "unknown_user_id")
        }
    }

    @Test("a wrong secret: 401 invalid_client with a Basic challenge")
    func wrongSecret() async throws {
        try await DemoServer.make().run { http in
            let answer = try await http.start("alice", client: (EmbeddedDefaults.clientId, "wrong"))
            #expect(answer.status == .unauthorized)
            #expect(answer.error == "invalid_client")
            #expect(answer.headers[.wwwAuthenticate] == "Basic realm=\"backchannel\"")
        }
    }

    @Test("two hints: invalid_request")
    func twoHints() async throws {
        try await DemoServer.make().run { http in
            let answer = try await http.start("alice", [("login_hint_token", "opaque")])
            #expect(answer.status == .badRequest)
            #expect(answer.error == "invalid_request")
        }
    }

    @Test("polling too fast: slow_down")
    func slowDown() async throws {
        try await DemoServer.make().run { http in
            let id = try #require(try await http.start("carol").json["auth_req_id"]?.stringValue)
            #expect(try await http.poll(id).error == "authorization_pending")
            await http.clock.advance(by: 1)
            #expect(try await http.poll(id).error == "slow_down")
        }
    }

    @Test("a redeemed auth_req_id: invalid_grant")
    func redeemed() async throws {
        try await DemoServer.make().run { http in
            let id = try #require(try await http.start("alice").json["auth_req_id"]?.stringValue)
            await http.clock.advance(by: 5)
            #expect(try await http.poll(id).status == .ok)
            await http.clock.advance(by: 5)
            #expect(try await http.poll(id).error == "invalid_grant")
        }
    }

    @Test("another client's auth_req_id: invalid_grant")
    func otherClient() async throws {
        try await DemoServer.make().run { http in
            let id = try #require(try await http.start("alice").json["auth_req_id"]?.stringValue)
            await http.clock.advance(by: 5)
            #expect(try await http.poll(id, client: DemoServer.other).error == "invalid_grant")
            #expect(try await http.poll(id).status == .ok)
        }
    }

    @Test("50 concurrent polls for one approved request: one gets tokens, 49 get invalid_grant")
    func race() async throws {
        let server = try await DemoServer.make()
        let store = server.engine.store
        let instances = server.engine.authenticatorInstances
        try await server.run { http in
            // carol never answers by herself: she approves on her (simulated) phone, which returns once the
            // approval is in the store, so every poll races for redemption.
            let id = try #require(try await http.start("carol").json["auth_req_id"]?.stringValue)
            let phone = try #require(instances.first { $0.plugin == "mock-push" }?.handler as? MockPushAuthenticator)
            #expect(try await phone.respond(authReqId: AuthReqId(rawValue: BackchannelEngine.authReqIdHash(id)), approve: true))
            #expect(try await store.request(authReqIdHash: BackchannelEngine.authReqIdHash(id))?.state != .pending)
            let answers = try await withThrowingTaskGroup(of: HTTPClient.Answer.self) { group in
                for _ in 0..<50 { group.addTask { try await http.poll(id) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.filter { $0.status == .ok }.count == 1)
            #expect(answers.filter { $0.error == "invalid_grant" }.count == 49)
        }
    }

    @Test("carol approves on the simulated phone's page over HTTP, then the client gets tokens")
    func approveOnPage() async throws {
        try await DemoServer.make().run { http in
            let id = try #require(try await http.start("carol", [("binding_message", "<b>7Q</b>")]).json["auth_req_id"]?.stringValue)
            let page = try await http.send("/authn/mock-push/?user=carol", method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[.cacheControl] == "no-store")
            #expect(page.text.contains("&lt;b&gt;7Q&lt;/b&gt;"))
            let cookie = try #require(page.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            let csrf = String(cookie.split(separator: "=")[1])
            let field = #/name="id" value="([^"]+)"/#
            let requestId = try #require(page.text.firstMatch(of: field)).1
            let submitted = try await http.send(
                "/authn/mock-push/respond", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: cookie],
                body: HTTPClient.form([("csrf", csrf), ("id", String(requestId)), ("user", "carol"), ("decision", "approve")]))
            #expect(submitted.status == .seeOther)
            await http.clock.advance(by: 5)
            #expect(try await http.poll(id).status == .ok)
        }
    }
}
