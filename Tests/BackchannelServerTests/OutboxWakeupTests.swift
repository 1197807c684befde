import BackchannelCore
import Foundation
import Testing

@testable import BackchannelServer

/// A wait that is not woken lasts an hour, past the suite's time limit: a test that passes was woken.
@Suite("Outbox wake-up", .timeLimit(.minutes(1)))
struct OutboxWakeupTests {
    @Test("a signal wakes the service waiting for one")
    func signalWakesTheWaiter() async throws {
        let (waiting, started) = AsyncStream<Void>.makeStream()
        let wakeup = OutboxWakeup(onWaiting: { started.yield() })
        async let waited: Void = wakeup.wait(upTo: .seconds(3600))
        for await _ in waiting { break }
        wakeup.signal()
        await waited
    }

    @Test("a signal with nobody waiting makes the next wait return at once, and only that one")
    func signalIsKept() async throws {
        let (waiting, started) = AsyncStream<Void>.makeStream()
        let wakeup = OutboxWakeup(onWaiting: { started.yield() })
        wakeup.signal()
        // The kept signal answers this wait without it ever waiting.
        await wakeup.wait(upTo: .seconds(3600))
        // The next one finds no signal kept: it waits (and says so) until it is signalled again.
        async let next: Void = wakeup.wait(upTo: .seconds(3600))
        var iterator = waiting.makeAsyncIterator()
        #expect(await iterator.next() != nil)
        wakeup.signal()
        await next
    }
}
