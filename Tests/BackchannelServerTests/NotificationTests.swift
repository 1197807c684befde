import BackchannelCore
import BackchannelServer
import Crypto
import Foundation
import JWTKit
import Synchronization
import Testing

/// Sends nothing: answers each POST with the next status it was given and keeps what was sent.
final class RecordingTransport: NotificationTransport {
    struct Sent: Sendable {
        var body: Data
        var endpoint: URL
        var bearerToken: String
        var json: [String: JSONValue] { (try? JSONDecoder().decode([String: JSONValue].self, from: body)) ?? [:] }
    }

    private let state: Mutex<(statuses: [Int], sent: [Sent])>

    init(statuses: [Int] = []) { state = Mutex((statuses, [])) }

    var sent: [Sent] { state.withLock { $0.sent } }

    func post(_ body: Data, to endpoint: URL, bearerToken: String, timeout: Duration) async throws -> Int {
        state.withLock { state in
            state.sent.append(Sent(body: body, endpoint: endpoint, bearerToken: bearerToken))
            return state.statuses.isEmpty ? 204 : state.statuses.removeFirst()
        }
    }
}

/// Ping and push (CIBA Core §10.2, §10.3, §12) at the engine: what is sent, to whom, and how the outbox
/// records each attempt. The real HTTP path is tested against processes in `NotificationDeliveryTests`.
@Suite("ping and push notifications")
struct NotificationTests {
    static let pinger = ClientConfiguration(
        clientId: "pinger", clientSecret: "pinger-secret-0042", backchannelTokenDeliveryMode: .ping,
        backchannelClientNotificationEndpoint: "https://rp.example.com/ping")
    static let pusher = ClientConfiguration(
        clientId: "pusher", clientSecret: "pusher-secret-0042", backchannelTokenDeliveryMode: .push,
        backchannelClientNotificationEndpoint: "https://rp.example.com/push")

    private func fixture(maxAttempts: Int = 8) async throws -> EngineFixture {
        var policy = ServerPolicy()
        policy.notificationMaxAttempts = maxAttempts
        policy.authorizationDetailsTypes = ["payment_initiation": .paymentInitiation]
        var pusher = Self.pusher
        pusher.authorizationDetailsTypes = ["payment_initiation"]
        return try await EngineFixture.make(policy: policy, clients: EngineFixture.clients + [Self.pinger, pusher])
    }

    /// Starts a request for `user` as `client` with a notification token; waits until it concluded.
    private func concluded(
        _ fixture: EngineFixture, _ client: ClientConfiguration, user: String = "alice", advance: TimeInterval = 3, extra: [(String, String)] = []
    ) async throws -> AuthenticationAcknowledgement {
        let ack = try await fixture.start(
            [("scope", "openid"), ("login_hint", user), ("client_notification_token", "rp-token-0123456789")] + extra,
            client: (client.clientId, client.clientSecret!)
        ).get()
        await fixture.clock.advance(by: advance)
        try await fixture.waitUntilConcluded(ack.authReqId)
        return ack
    }

    private func deliverAll(_ fixture: EngineFixture, _ transport: RecordingTransport) async throws -> [NotificationAttemptOutcome] {
        var outcomes: [NotificationAttemptOutcome] = []
        for due in try await fixture.engine.claimDueNotifications(limit: 10) {
            outcomes.append(await fixture.engine.deliver(due, transport: transport))
        }
        return outcomes
    }

    @Test("ping and push clients must send a bearer-token client_notification_token", arguments: [
        nil, "has space", String(repeating: "a", count: 1025), "=",
    ])
    func notificationTokenRequired(_ token: String?) async throws {
        let fixture = try await fixture()
        for client in [Self.pinger, Self.pusher] {
            var parameters = [("scope", "openid"), ("login_hint", "alice")]
            if let token { parameters.append(("client_notification_token", token)) }
            let result = await fixture.start(parameters, client: (client.clientId, client.clientSecret!))
            #expect(result.failure?.code == "invalid_request")
        }
    }

    @Test("ping: the auth_req_id is POSTed with the client's bearer token to its endpoint, then redeemed once at the token endpoint")
    func ping() async throws {
        let fixture = try await fixture()
        let ack = try await concluded(fixture, Self.pinger)
        #expect(ack.interval == 5)
        let transport = RecordingTransport()
        #expect(try await deliverAll(fixture, transport) == [.delivered])
        let sent = try #require(transport.sent.first)
        #expect(sent.endpoint.absoluteString == "https://rp.example.com/ping")
        #expect(sent.bearerToken == "rp-token-0123456789")
        #expect(sent.json == ["auth_req_id": .string(ack.authReqId)])
        #expect(try await deliverAll(fixture, transport).isEmpty)  // delivered once

        let client = ("pinger", "pinger-secret-0042")
        _ = try await fixture.poll(ack.authReqId, client: client).get()
        #expect(await fixture.poll(ack.authReqId, client: client).failure?.code == "invalid_grant")
    }

    @Test("push: the tokens are POSTed with auth_req_id, the ID token names the request, and the token endpoint refuses the grant")
    func pushTokens() async throws {
        let fixture = try await fixture()
        let ack = try await concluded(fixture, Self.pusher)
        #expect(ack.interval == nil)
        let transport = RecordingTransport()
        #expect(try await deliverAll(fixture, transport) == [.delivered])
        let json = try #require(transport.sent.first).json
        #expect(json["auth_req_id"] == .string(ack.authReqId))
        #expect(json["token_type"] == .string("Bearer"))
        let idToken = try #require(json["id_token"]?.stringValue)
        let accessToken = try #require(json["access_token"]?.stringValue)
        let claims = try await fixture.verifier().verify(idToken, as: PushedIDToken.self)
        #expect(claims.authReqId == ack.authReqId)
        #expect(claims.sub == "alice")
        #expect(Data(base64URL: claims.atHash) == Data(SHA256Digest.leftHalf(of: accessToken)))
        #expect(await fixture.poll(ack.authReqId, client: ("pusher", "pusher-secret-0042")).failure?.code == "unauthorized_client")
    }

    @Test("push: the pushed token response carries the approved authorization_details, as does its access token")
    func pushAuthorizationDetails() async throws {
        let fixture = try await fixture()
        let details = AuthorizationDetailsTests.payment
        _ = try await concluded(fixture, Self.pusher, extra: [("authorization_details", AuthorizationDetails.canonicalJSON(of: details))])
        let transport = RecordingTransport()
        #expect(try await deliverAll(fixture, transport) == [.delivered])
        let json = try #require(transport.sent.first).json
        #expect(json["authorization_details"] == details)
        let accessToken = try #require(json["access_token"]?.stringValue)
        let claims = try JSONDecoder().decode([String: JSONValue].self, from: Base64URL.decode(String(accessToken.split(separator: ".")[1]))!)
        #expect(claims["authorization_details"] == details)
    }

    @Test("push errors: a denial is access_denied, a failure transaction_failed, an expiry expired_token, each naming the request",
        arguments: [("bob", "access_denied", 3.0), ("dave", "transaction_failed", 3.0), ("carol", "expired_token", 400.0)])
    func pushErrors(user: String, error: String, advance: TimeInterval) async throws {
        let fixture = try await fixture()
        let ack = try await fixture.start(
            [("scope", "openid"), ("login_hint", user), ("client_notification_token", "rp-token-0123456789")],
            client: ("pusher", "pusher-secret-0042")
        ).get()
        await fixture.clock.advance(by: advance)
        // carol never answers: her request ends by expiring, which the sweep records; the others conclude.
        if user == "carol" { _ = await fixture.engine.sweepExpired() } else { try await fixture.waitUntilConcluded(ack.authReqId) }
        let transport = RecordingTransport()
        #expect(try await deliverAll(fixture, transport) == [.delivered])
        let json = try #require(transport.sent.first).json
        #expect(json["error"] == .string(error))
        #expect(json["auth_req_id"] == .string(ack.authReqId))
        #expect(json["access_token"] == nil)
    }

    @Test("with a key-encryption key the outbox keeps the auth_req_id, the notification token and a push's tokens sealed; what is sent is the real thing")
    func outboxSealed() async throws {
        let fixture = try await EngineFixture.make(
            clients: EngineFixture.clients + [Self.pinger, Self.pusher], outboxSeal: OutboxSeal(keyEncryptionKey: Array(repeating: 9, count: 32)))
        let transport = RecordingTransport(statuses: [503, 503])
        let ping = try await concluded(fixture, Self.pinger)
        let push = try await concluded(fixture, Self.pusher)
        for ack in [ping, push] {
            let hash = BackchannelEngine.authReqIdHash(ack.authReqId)
            let stored = try #require(try await fixture.store.request(authReqIdHash: hash)?.notification)
            #expect(stored.authReqId.hasPrefix("sealed:v1:") && !stored.authReqId.contains(ack.authReqId))
            #expect(stored.token.hasPrefix("sealed:v1:") && !stored.token.contains("rp-token"))
        }
        _ = try await deliverAll(fixture, transport)  // both fail once (503): the push's payload stays fixed in the store
        await fixture.clock.advance(by: 61)
        let due = try await fixture.engine.claimDueNotifications(limit: 10, lease: 60)
        let fixed = try #require(due.first { $0.request.clientId == "pusher" }?.payload)
        #expect(!String(decoding: fixed, as: UTF8.self).contains("access_token") && fixed.starts(with: Data("BCSEAL1".utf8)))
        for notification in due { _ = await fixture.engine.deliver(notification, transport: transport) }
        #expect(transport.sent.allSatisfy { $0.bearerToken == "rp-token-0123456789" })
        #expect(transport.sent.contains { $0.json["auth_req_id"] == .string(ping.authReqId) && $0.endpoint.path == "/ping" })
        #expect(transport.sent.last { $0.endpoint.path == "/push" }?.json["access_token"] != nil)
    }

    @Test("5xx and 429 are tried again later with the same push payload; a 2xx then delivers")
    func retries() async throws {
        let fixture = try await fixture()
        _ = try await concluded(fixture, Self.pusher)
        let transport = RecordingTransport(statuses: [500, 429, 204])
        for expected in [false, false, true] {
            let outcomes = try await deliverAll(fixture, transport)
            #expect(outcomes.count == 1)
            #expect((outcomes.first == .delivered) == expected)
            await fixture.clock.advance(by: 120)  // past any backoff
        }
        #expect(Set(transport.sent.map(\.body)).count == 1)
        #expect(fixture.engine.notificationCounters.delivered == 1)
        #expect(fixture.engine.notificationCounters.retried == 2)
    }

    @Test("a refusal (4xx) fails at once; so do the attempts running out, and a push approval is then failed")
    func finalFailure() async throws {
        let fixture = try await fixture(maxAttempts: 2)
        let refused = try await concluded(fixture, Self.pinger)
        #expect(try await deliverAll(fixture, RecordingTransport(statuses: [401])) == [.failed])
        // The ping client can still collect its tokens by polling.
        _ = try await fixture.poll(refused.authReqId, client: ("pinger", "pinger-secret-0042")).get()

        let pushed = try await concluded(fixture, Self.pusher)
        let transport = RecordingTransport(statuses: [503, 503])
        #expect(try await deliverAll(fixture, transport).count == 1)
        await fixture.clock.advance(by: 120)
        #expect(try await deliverAll(fixture, transport) == [.failed])
        let stored = try await fixture.store.request(authReqIdHash: BackchannelEngine.authReqIdHash(pushed.authReqId))
        guard case .failed = stored?.state else {
            Issue.record("the push approval is \(String(describing: stored?.state))")
            return
        }
        #expect(try await deliverAll(fixture, transport).isEmpty)
    }
}

/// A pushed ID token's claims, as the client reads them.
struct PushedIDToken: JWTPayload {
    var sub: String
    var atHash: String
    var authReqId: String

    private enum CodingKeys: String, CodingKey {
        case sub
        case atHash = "at_hash"
        case authReqId = "urn:openid:params:jwt:claim:auth_req_id"
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

enum SHA256Digest {
    static func leftHalf(of token: String) -> [UInt8] {
        Array(SHA256.hash(data: Data(token.utf8)).prefix(16))
    }
}
