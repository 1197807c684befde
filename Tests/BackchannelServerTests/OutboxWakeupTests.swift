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
