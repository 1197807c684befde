import BackchannelBuiltIns
import BackchannelCore
import BackchannelServer
import Foundation
import Logging
import Synchronization
import Testing

@testable import BackchannelHost

/// A transport whose "slow" endpoint never answers (until the test ends it) and whose other endpoints answer
/// at once, telling the test of each delivery there.
private final class OneSlowEndpoint: NotificationTransport {
    let delivered: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation
    private let slowCalls = Mutex(0)

    init() {
        (delivered, continuation) = AsyncStream.makeStream(of: String.self)
    }

    var slowCallCount: Int { slowCalls.withLock { $0 } }

    func post(_ body: Data, to endpoint: URL, bearerToken: String, timeout: Duration) async throws -> Int {
        guard endpoint.path == "/slow" else {
            continuation.yield(endpoint.path)
            return 204
        }
        slowCalls.withLock { $0 += 1 }
        // Held until the service is cancelled, as an endpoint that accepts and never answers holds it: a stream
        // that never yields ends only with the task.
        let (never, held) = AsyncStream.makeStream(of: Void.self)
        defer { held.finish() }
        for await _ in never {}
        throw CancellationError()
    }
}

@Suite("notification delivery is fair among clients", .timeLimit(.minutes(2)))
struct NotificationFairnessTests {
    @Test("a client whose endpoint never answers, with hundreds of notifications due, holds up no other client's ping")
    func slowClientHoldsUpNobody() async throws {
        var configuration = EmbeddedDefaults.configuration
        configuration.policy.limits.enabled = false
        configuration.policy.allowInsecureLoopbackNotifications = true
        // Named so that the slow client sorts first: a store that claims due notifications in client order (SQLite's
        // claim ranks within each client, and all were due at once) offers its notifications before the other's.
        configuration.clients = ["slow", "swift"].map { name in
            ClientConfiguration(
                clientId: name, clientSecret: "\(name)-secret-0042", backchannelTokenDeliveryMode: .ping,
                backchannelClientNotificationEndpoint: "http://127.0.0.1:9/\(name)")
        }
        // alice never answers on her own: the test concludes each request itself, in the order it chooses.
        configuration.authenticators[0].configuration = .object(["users": .object(["alice": .object(["action": .string("silent")])])])
        // The SQLite store, as a single node runs.
        let directory = try ChildProcess.temporaryDirectory("fairness")
        defer { try? FileManager.default.removeItem(at: directory) }
        let assembly = try await ServerAssembly.assemble(configuration, components: try .builtIn(), dataDirectory: directory, environment: [:], logger: Logger(label: "test"))
        let engine = assembly.engine

        func start(_ client: String) async throws -> String {
            let parameters = OAuthParameters(
                [("scope", "openid"), ("login_hint", "alice"), ("client_notification_token", "token-0123456789")].map { (name: $0.0, value: $0.1) })
            let ack = try await engine.authenticationRequest(parameters, authorization: BasicAuthorization.header(client, "\(client)-secret-0042")).get()
            return BackchannelEngine.authReqIdHash(ack.authReqId)
        }
        func conclude(_ hash: String) async throws {
            let approval = BackchannelAuthenticationResult.approved(AuthenticationAttributes(subject: "alice", authTime: Date()))
            #expect(try await engine.store.conclude(authReqIdHash: hash, result: approval))
        }
        // Many more of the slow client's notifications due than the service keeps under way in all.
        var slow: [String] = []
        for _ in 0..<250 { slow.append(try await start("slow")) }
        for hash in slow { try await conclude(hash) }
        let fast = try await start("swift")
        try await conclude(fast)

        let transport = OneSlowEndpoint()
        // Room for ten under way in all, more than one client's cap (8) and far fewer than the slow client has due:
        // claiming its notifications as they come would fill the room, and the fast one would wait behind them.
        let service = NotificationService(engines: assembly.engines, transport: transport, maxOutstanding: 10)
        await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await service.run() }
            var iterator = transport.delivered.makeAsyncIterator()
            #expect(await iterator.next() == "/swift")
            // The slow client's endpoint got no more at once than its cap.
            #expect(transport.slowCallCount <= configuration.policy.notificationMaxInFlightPerEndpoint)
            group.cancelAll()
        }
    }
}

@Suite("the notification service's claims under way")
struct OutstandingTests {
    @Test("a client with as many under way as its cap gets no more claimed; the others, and the room left in all, are untouched")
    func saturatedClientsExcluded() {
        let outstanding = Outstanding(perClient: 8)
        let now = ContinuousClock.now
        let claims = (0..<8).map { _ in outstanding.add("slow", at: now) }
        _ = outstanding.add("fast", at: now)
        let (room, saturated) = outstanding.room(of: 200)
        #expect(room == 191 && saturated == ["slow"])
        outstanding.remove("slow", claim: claims[0])
        #expect(outstanding.room(of: 200).1.isEmpty)
    }

    @Test("the backlog counts the deliveries under way and ages the oldest claim among them")
    func backlogAgesOldestClaim() {
        let outstanding = Outstanding(perClient: 8)
        let start = ContinuousClock.now
        #expect(outstanding.backlog(at: start) == (0, .zero))
        let first = outstanding.add("a", at: start)
        _ = outstanding.add("b", at: start + .seconds(3))
        #expect(outstanding.backlog(at: start + .seconds(10)) == (2, .seconds(10)))
        outstanding.remove("a", claim: first)
        #expect(outstanding.backlog(at: start + .seconds(10)) == (1, .seconds(7)))
    }
}

/// `Authorization: Basic` for a client id and secret (form-encoded, as RFC 6749 §2.3.1 has it).
enum BasicAuthorization {
    static func header(_ id: String, _ secret: String) -> String {
        "Basic " + Data("\(id):\(secret)".utf8).base64EncodedString()
    }
}
