import BackchannelCore
import BackchannelServer
import BackchannelTesting
import Foundation
import Testing

/// The notification outbox every store keeps for ping and push requests: queued with the conclusion,
/// claimed by one delivery at a time under a lease, and recorded attempt by attempt.
@Suite("Notification outbox contract", .timeLimit(.minutes(2)))
struct NotificationOutboxContractTests {
    private func request(_ hash: String, mode: TokenDeliveryMode, at now: Date, expiresIn: TimeInterval = 100, client: String = "rp") -> PendingRequest {
        PendingRequest(
            authReqIdHash: hash, clientId: client, authenticator: "mock-push", scopes: ["openid"], acr: "urn:acr:push",
            createdAt: now, expiresAt: now.addingTimeInterval(expiresIn), interval: 5,
            notification: ClientNotification(mode: mode, authReqId: "raw-\(hash)", token: "token-\(hash)"))
    }

    private let approval = BackchannelAuthenticationResult.approved(
        AuthenticationAttributes(subject: "alice", authTime: Date(timeIntervalSince1970: 1_800_000_001)))

    @Test("a conclusion queues one notification; a claim leases it; the lease keeps others off until it ends", arguments: StoreKind.available)
    func queuedAndLeased(kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        defer { store.close() }
        let now = store.clock.now
        try await store.requests.insert(request("n1", mode: .ping, at: now))
        try await store.requests.insert(
            PendingRequest(
                authReqIdHash: "poll", clientId: "rp", authenticator: "mock-push", scopes: ["openid"], acr: "a", createdAt: now,
                expiresAt: now.addingTimeInterval(100), interval: 5))
        #expect(try await store.requests.claimNotifications(now: now, limit: 10, lease: 30).isEmpty)  // nothing concluded
        _ = try await store.requests.conclude(authReqIdHash: "n1", result: approval)
        _ = try await store.requests.conclude(authReqIdHash: "poll", result: approval)

        let claimed = try await store.requests.claimNotifications(now: now, limit: 10, lease: 30)
        #expect(claimed.map(\.request.authReqIdHash) == ["n1"])
        #expect(claimed.first?.request.notification == ClientNotification(mode: .ping, authReqId: "raw-n1", token: "token-n1"))
        #expect(claimed.first?.attempts == 0)
        #expect(try await store.requests.claimNotifications(now: now.addingTimeInterval(29), limit: 10, lease: 30).isEmpty)
        // A delivery that died: its claim comes back when the lease ends.
        #expect(try await store.requests.claimNotifications(now: now.addingTimeInterval(31), limit: 10, lease: 30).count == 1)
    }

    @Test("a claim leaves out the excluded clients and takes at most so many of any other client's; the rest stay due", arguments: StoreKind.available)
    func claimPerClient(kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        defer { store.close() }
        let now = store.clock.now
        for (client, count) in [("slow", 6), ("fast", 2), ("busy", 3)] {
            for index in 0..<count {
                let hash = "\(client)-\(index)"
                try await store.requests.insert(request(hash, mode: .ping, at: now, client: client))
                _ = try await store.requests.conclude(authReqIdHash: hash, result: approval)
            }
        }
        let claimed = try await store.requests.claimNotifications(
            now: now.addingTimeInterval(1), limit: 100, lease: 30, excludingClients: ["busy"], perClient: 2)
        func count(_ claimed: [DueNotification]) -> [String: Int] { claimed.reduce(into: [:]) { $0[$1.request.clientId, default: 0] += 1 } }
        #expect(count(claimed) == ["slow": 2, "fast": 2])
        // The rest stay due for the next claim.
        let next = try await store.requests.claimNotifications(now: now.addingTimeInterval(1), limit: 100, lease: 30)
        #expect(count(next) == ["slow": 4, "busy": 3])
        #expect(Set((claimed + next).map(\.request.authReqIdHash)).count == 11)
    }

    @Test("of concurrent claims each notification goes to exactly one", arguments: StoreKind.available)
    func claimedOnce(kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        defer { store.close() }
        let now = store.clock.now
        for index in 0..<20 {
            try await store.requests.insert(request("c\(index)", mode: .ping, at: now))
            _ = try await store.requests.conclude(authReqIdHash: "c\(index)", result: approval)
        }
        let requests = store.requests
        let claimed = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<8 { group.addTask { try await requests.claimNotifications(now: now, limit: 5, lease: 30).map(\.request.authReqIdHash) } }
            return try await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(claimed.count == 20)
        #expect(Set(claimed).count == 20)
    }

    @Test("attempts: a retry comes back at its time with the count and the fixed payload; delivered leaves the outbox", arguments: StoreKind.available)
    func attempts(kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        defer { store.close() }
        let now = store.clock.now
        try await store.requests.insert(request("p1", mode: .push, at: now))
        _ = try await store.requests.conclude(authReqIdHash: "p1", result: approval)
        _ = try await store.requests.claimNotifications(now: now, limit: 1, lease: 30)
        let first = Data("first".utf8)
        #expect(try await store.requests.fixNotificationPayload(authReqIdHash: "p1", payload: first) == first)
        #expect(try await store.requests.fixNotificationPayload(authReqIdHash: "p1", payload: Data("second".utf8)) == first)
        try await store.requests.recordNotificationAttempt(authReqIdHash: "p1", outcome: .retry(at: now.addingTimeInterval(10)))

        #expect(try await store.requests.claimNotifications(now: now.addingTimeInterval(9), limit: 1, lease: 30).isEmpty)
        let again = try #require(try await store.requests.claimNotifications(now: now.addingTimeInterval(10), limit: 1, lease: 30).first)
        #expect(again.attempts == 1)
        #expect(again.payload == first)
        try await store.requests.recordNotificationAttempt(authReqIdHash: "p1", outcome: .delivered)
        #expect(try await store.requests.claimNotifications(now: now.addingTimeInterval(100), limit: 1, lease: 30).isEmpty)
    }

    @Test("a push request that expires unanswered queues its expiry; a failed push approval is recorded as failed", arguments: StoreKind.available)
    func pushExpiryAndFailure(kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        defer { store.close() }
        let now = store.clock.now
        try await store.requests.insert(request("expiring", mode: .push, at: now, expiresIn: 10))
        try await store.requests.insert(request("ping-expiring", mode: .ping, at: now, expiresIn: 10))
        try await store.requests.insert(request("failing", mode: .push, at: now))
        _ = try await store.requests.claimExpired(now: now.addingTimeInterval(10), limit: 10)
        let due = try await store.requests.claimNotifications(now: now.addingTimeInterval(10), limit: 10, lease: 30)
        #expect(due.map(\.request.authReqIdHash) == ["expiring"])  // ping clients are not told of expiry
        #expect(due.first?.request.state == .expired)
        try await store.requests.recordNotificationAttempt(authReqIdHash: "expiring", outcome: .delivered)
        // Expired and notified: a later sweep does not queue it again.
        _ = try await store.requests.claimExpired(now: now.addingTimeInterval(20), limit: 10)
        #expect(try await store.requests.claimNotifications(now: now.addingTimeInterval(20), limit: 10, lease: 30).isEmpty)

        _ = try await store.requests.conclude(authReqIdHash: "failing", result: approval)
        _ = try await store.requests.claimNotifications(now: now, limit: 10, lease: 30)
        try await store.requests.recordNotificationAttempt(authReqIdHash: "failing", outcome: .failed)
        guard case .failed = try await store.requests.request(authReqIdHash: "failing")?.state else {
            Issue.record("a push approval that could not be delivered is still approved")
            return
        }
    }
}
