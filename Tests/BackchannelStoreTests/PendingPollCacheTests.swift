import BackchannelCore
import BackchannelServer
import BackchannelTesting
import Foundation
import Synchronization
import Testing

@testable import BackchannelPostgres

/// The rules by which a node answers polls from memory (``PendingPollCache``), each on its own, with the
/// feed's events played by the test.
@Suite("pending poll cache")
struct PendingPollCacheTests {
    final class Monotonic: Sendable {
        let start = ContinuousClock.now
        let offset = Mutex<Duration>(.zero)
        var now: ContinuousClock.Instant { start + offset.withLock { $0 } }
        func advance(_ duration: Duration) { offset.withLock { $0 += duration } }
    }

    static let date = Date(timeIntervalSince1970: 1_000_000)

    static func entry(_ hash: String) -> PendingPollCache.Entry {
        PendingPollCache.Entry(
            request: PendingRequest(
                authReqIdHash: hash, clientId: "console", authenticator: "mock-push", scopes: ["openid"], acr: "push", createdAt: date,
                expiresAt: date.addingTimeInterval(300), interval: 5),
            records: [PluginStateRecord(namespace: "n", key: hash, value: Data("v".utf8), createdAt: date, expiresAt: date.addingTimeInterval(60))])
    }

    static func listening(_ clock: Monotonic = Monotonic()) -> PendingPollCache {
        let cache = PendingPollCache(instant: { clock.now })
        cache.listening(since: clock.now)
        return cache
    }

    static func keep(_ cache: PendingPollCache, _ hash: String) {
        let read = try! #require(cache.beginRead(hash))
        cache.endRead(read, keeping: entry(hash))
    }

    @Test("what a read kept is answered, with the records that are still live")
    func keptIsAnswered() {
        let cache = Self.listening()
        Self.keep(cache, "h")
        #expect(cache.answer(for: "h", now: Self.date)?.request.authReqIdHash == "h")
        #expect(cache.answer(for: "h", now: Self.date)?.records.count == 1)
        #expect(cache.answer(for: "h", now: Self.date.addingTimeInterval(61))?.records.isEmpty == true)
        #expect(cache.answered == 3)
    }

    @Test("a notification of a request forgets it, and no other")
    func notificationForgets() {
        let cache = Self.listening()
        Self.keep(cache, "h")
        Self.keep(cache, "other")
        cache.changed("h")
        #expect(cache.answer(for: "h", now: Self.date) == nil)
        #expect(cache.answer(for: "other", now: Self.date) != nil)
    }

    @Test("a read overtaken by a notification of its request is not kept")
    func overtakenReadNotKept() {
        let cache = Self.listening()
        let read = try! #require(cache.beginRead("h"))
        cache.changed("h")
        cache.endRead(read, keeping: Self.entry("h"))
        #expect(cache.answer(for: "h", now: Self.date) == nil)
        // The next read, begun after the notification, is kept.
        Self.keep(cache, "h")
        #expect(cache.answer(for: "h", now: Self.date) != nil)
    }

    @Test("a read begun before the feed was lost and found again is not kept")
    func readAcrossEpochsNotKept() {
        let clock = Monotonic()
        let cache = Self.listening(clock)
        let read = try! #require(cache.beginRead("h"))
        cache.lost()
        cache.listening(since: clock.now)
        cache.endRead(read, keeping: Self.entry("h"))
        #expect(cache.answer(for: "h", now: Self.date) == nil)
    }

    @Test("nothing is kept or answered while the feed is lost, and what was kept is gone")
    func lostFeedAnswersNothing() {
        let clock = Monotonic()
        let cache = Self.listening(clock)
        Self.keep(cache, "h")
        cache.lost()
        #expect(cache.answer(for: "h", now: Self.date) == nil)
        #expect(cache.beginRead("h") == nil)
        cache.listening(since: clock.now)
        #expect(cache.answer(for: "h", now: Self.date) == nil)
    }

    @Test("answers stop when the last heartbeat back was sent more than the freshness ago, and resume when one comes back")
    func heartbeatFreshness() {
        let clock = Monotonic()
        let cache = Self.listening(clock)
        Self.keep(cache, "h")
        clock.advance(PendingPollCache.freshness)
        #expect(cache.answer(for: "h", now: Self.date) != nil)
        cache.heartbeatSent(at: clock.now)
        clock.advance(.milliseconds(1))
        #expect(cache.answer(for: "h", now: Self.date) == nil)  // the heartbeat has not come back
        cache.heartbeatReturned()
        #expect(cache.answer(for: "h", now: Self.date) != nil)
        clock.advance(PendingPollCache.freshness)
        #expect(cache.answer(for: "h", now: Self.date) == nil)
    }

    @Test("a node's own change forgets the request at once and spoils its reads in progress")
    func ownChangeForgets() {
        let cache = Self.listening()
        Self.keep(cache, "h")
        let read = try! #require(cache.beginRead("h"))
        cache.forget("h")
        #expect(cache.answer(for: "h", now: Self.date) == nil)
        cache.endRead(read, keeping: Self.entry("h"))
        #expect(cache.answer(for: "h", now: Self.date) == nil)
    }

    @Test("past its capacity the cache makes room instead of growing")
    func bounded() {
        let clock = Monotonic()
        let cache = PendingPollCache(capacity: 3, instant: { clock.now })
        cache.listening(since: clock.now)
        for index in 0..<10 { Self.keep(cache, "h\(index)") }
        #expect((0..<10).filter { cache.answer(for: "h\($0)", now: Self.date) != nil }.count == 3)
        #expect(cache.answer(for: "h9", now: Self.date) != nil)
    }

    @Test("a test's wait on either feed-fed cache ends when its task is cancelled, so a time limit ends that test and not the run")
    func feedWaitsEndOnCancellation() async {
        let polls = PendingPollCache()
        let users = DirectoryUserCache(clock: VirtualClock())
        let waits = [
            Task { await polls.waitUntil(listening: true) },
            Task { await users.waitUntil(listening: true, generation: 1) },
        ]
        for wait in waits {
            wait.cancel()
            await wait.value
        }
        // Nothing is left waiting: a later change resumes no one a second time (a checked continuation resumed
        // twice traps).
        polls.listening(since: .now)
        users.invalidate(listening: true)
    }

}
