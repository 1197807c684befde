import BackchannelCore
import BackchannelServer
import Foundation
import Testing

@Suite("Outbox wake-up")
struct OutboxWakeupTests {
    @Test("a signal wakes the waiting service long before its timeout")
    func signalWakesTheWaiter() async throws {
        let wakeup = OutboxWakeup()
        let started = ContinuousClock.now
        async let waited: Void = wakeup.wait(upTo: .seconds(60))
        try await Task.sleep(for: .milliseconds(50))
        wakeup.signal()
        await waited
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test("a signal with nobody waiting makes the next wait return at once, and only that one")
    func signalIsKept() async throws {
        let wakeup = OutboxWakeup()
        wakeup.signal()
        let first = ContinuousClock.now
        await wakeup.wait(upTo: .seconds(60))
        #expect(ContinuousClock.now - first < .seconds(30))
        let second = ContinuousClock.now
        await wakeup.wait(upTo: .milliseconds(200))
        #expect(ContinuousClock.now - second >= .milliseconds(200))
    }
}

@Suite("Outbox wake-up: who rings it")
struct OutboxWakeupSourceTests {
    private func request(_ hash: String, notified: Bool) -> PendingRequest {
        let now = Date()
        return PendingRequest(
            authReqIdHash: hash, clientId: "rp", authenticator: "mock-push", scopes: ["openid"], acr: "push", createdAt: now,
            expiresAt: now.addingTimeInterval(300), interval: 5,
            notification: notified ? ClientNotification(mode: .ping, authReqId: "raw-\(hash)", token: "token-\(hash)") : nil)
    }

    @Test("a conclusion reported through the completion sink wakes the delivery service when the client takes a notification, not otherwise")
    func sinkRingsForNotifiedClients() async throws {
        let store = InMemoryPendingRequestStore()
        let wakeup = OutboxWakeup()
        let sink = StoreCompletionSink(store: store, outbox: wakeup)
        let approval = BackchannelAuthenticationResult.approved(AuthenticationAttributes(subject: "alice", authTime: Date()))
        try await store.insert(request("polled", notified: false))
        try await store.insert(request("pinged", notified: true))

        await sink.authenticationConcluded(authReqId: AuthReqId(rawValue: "polled"), result: approval)
        let quiet = ContinuousClock.now
        await wakeup.wait(upTo: .milliseconds(300))
        #expect(ContinuousClock.now - quiet >= .milliseconds(300))

        await sink.authenticationConcluded(authReqId: AuthReqId(rawValue: "pinged"), result: approval)
        let rung = ContinuousClock.now
        await wakeup.wait(upTo: .seconds(60))
        #expect(ContinuousClock.now - rung < .seconds(30))
    }
}
