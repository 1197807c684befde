import BackchannelCore
import BackchannelServer
import BackchannelTesting
import Foundation
import Synchronization
import Testing

/// A remote directory's answers kept for a while: found users, and misses for less; failures never.
@Suite("directory cache")
struct DirectoryCacheTests {
    /// Counts the lookups that reach it; fails while `down`.
    final class CountingDirectory: UserDirectory {
        struct Down: Error {}
        let asked = Mutex(0)
        let down = Mutex(false)

        func user(subject: String) async throws -> DirectoryUser? {
            asked.withLock { $0 += 1 }
            if down.withLock({ $0 }) { throw Down() }
            return subject.hasPrefix("known") ? DirectoryUser(subject: subject) : nil
        }

        func user(loginHint: String) async throws -> DirectoryUser? {
            try await user(subject: loginHint)
        }
    }

    @Test("a found user is answered from the cache until its time to live, a miss for its shorter one")
    func timesToLive() async throws {
        let clock = VirtualClock()
        let inner = CountingDirectory()
        let directory = MeteredUserDirectory(inner, name: "remote", cache: (ttl: 60, negativeTTL: 10, capacity: 100), clock: clock)
        for _ in 0..<3 { #expect(try await directory.user(subject: "known-1") != nil) }
        for _ in 0..<3 { #expect(try await directory.user(loginHint: "nobody") == nil) }
        #expect(inner.asked.withLock { $0 } == 2)
        await clock.advance(by: 11)
        #expect(try await directory.user(loginHint: "nobody") == nil)
        #expect(try await directory.user(subject: "known-1") != nil)
        #expect(inner.asked.withLock { $0 } == 3)
        await clock.advance(by: 50)
        #expect(try await directory.user(subject: "known-1") != nil)
        #expect(inner.asked.withLock { $0 } == 4)
    }

    @Test("a failure is not kept: the next lookup asks the directory again")
    func failuresNotKept() async throws {
        let inner = CountingDirectory()
        inner.down.withLock { $0 = true }
        let directory = MeteredUserDirectory(inner, name: "remote", cache: (ttl: 60, negativeTTL: 10, capacity: 100), clock: VirtualClock())
        await #expect(throws: CountingDirectory.Down.self) { try await directory.user(subject: "known-1") }
        inner.down.withLock { $0 = false }
        #expect(try await directory.user(subject: "known-1") != nil)
        #expect(inner.asked.withLock { $0 } == 2)
    }

    @Test("the cache holds at most its capacity, the oldest answers going first")
    func bounded() async throws {
        let inner = CountingDirectory()
        let directory = MeteredUserDirectory(inner, name: "remote", cache: (ttl: 60, negativeTTL: 60, capacity: 10), clock: VirtualClock())
        for index in 0..<1000 { _ = try await directory.user(subject: "known-\(index)") }
        let asked = inner.asked.withLock { $0 }
        _ = try await directory.user(subject: "known-999")  // among the newest: kept
        #expect(inner.asked.withLock { $0 } == asked)
        _ = try await directory.user(subject: "known-0")  // the oldest: gone
        #expect(inner.asked.withLock { $0 } == asked + 1)
    }
}
