import BackchannelCore
import BackchannelTesting
import Foundation
import Testing

@Suite("VirtualClock")
struct VirtualClockTests {
    @Test("a sleeper wakes only when the clock is advanced past its deadline")
    func wakesOnAdvance() async throws {
        let clock = VirtualClock()
        let start = clock.now
        let task = Task { try await clock.sleep(until: start.addingTimeInterval(10)) }
        await clock.waitForSleepers()
        await clock.advance(by: 9)
        #expect(clock.sleeperCount == 1)
        await clock.advance(by: 1)
        try await task.value
        #expect(clock.sleeperCount == 0)
        #expect(clock.now == start.addingTimeInterval(10))
    }

    @Test("a cancelled sleeper throws CancellationError and leaves the clock")
    func cancellation() async throws {
        let clock = VirtualClock()
        let task = Task { try await clock.sleep(until: clock.now.addingTimeInterval(60)) }
        await clock.waitForSleepers()
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(clock.sleeperCount == 0)
    }

    @Test("waitForSleepers returns once that many tasks sleep, whether they came before or after the call")
    func waitForSleepers() async throws {
        let clock = VirtualClock()
        let first = Task { try await clock.sleep(until: clock.now.addingTimeInterval(5)) }
        await clock.waitForSleepers(1)
        let second = Task { try await clock.sleep(until: clock.now.addingTimeInterval(5)) }
        await clock.waitForSleepers(2)
        #expect(clock.sleeperCount == 2)
        await clock.advance(by: 5)
        try await first.value
        try await second.value
    }

    @Test("waits end when their task is cancelled, so a test can race two of them: firstOf answers the one that happened")
    func racingWaits() async {
        let clock = VirtualClock()
        let events = EventCounter<String>()
        let racer = Task { await firstOf({ await clock.waitForSleepers(1) }, { await events.wait(for: "done", count: 2) }) }
        events.record("done")
        events.record("done")
        #expect(await racer.value == 1)
        #expect(events["done"] == 2)
        let sleeper = Task { try await clock.sleep(until: clock.now.addingTimeInterval(5)) }
        #expect(await firstOf({ await clock.waitForSleepers(1) }, { await events.wait(for: "never") }) == 0)
        await clock.advance(by: 5)
        try? await sleeper.value
    }
}
