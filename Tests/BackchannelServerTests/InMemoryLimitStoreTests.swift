import Foundation
import Testing

@testable import BackchannelServer

@Suite("In-memory limit store: bounded without scans")
struct InMemoryLimitStoreTests {
    private let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("members past their until are dropped a few per operation, until none is held")
    func lapsedMembersDropped() async throws {
        let store = InMemoryLimitStore()
        for n in 0..<5_000 {
            #expect(try await store.admit(member: "m\(n)", caps: [(key: "p:alice", cap: 1_000_000)], until: start.addingTimeInterval(10), now: start))
        }
        #expect(store.sizes.members == 5_000)
        // Each operation looks at 16 entries at most: 5 000 lapsed members take a few hundred operations.
        var operations = 0
        let later = start.addingTimeInterval(11)
        while store.sizes.members > 0, operations < 1_000 {
            _ = try await store.take(bucket: "c:client", capacity: 1e9, refillPerSecond: 1e9, now: later)
            operations += 1
        }
        #expect(store.sizes.members == 0)
        #expect((5_000 / 16)...(5_000 / 16 + 20) ~= operations)
    }

    @Test("a member still counted is not dropped by the sweep, and a released one leaves nothing behind")
    func liveAndReleasedMembers() async throws {
        let store = InMemoryLimitStore()
        #expect(try await store.admit(member: "live", caps: [(key: "p:bob", cap: 1)], until: start.addingTimeInterval(100), now: start))
        #expect(try await store.admit(member: "done", caps: [(key: "p:carol", cap: 1)], until: start.addingTimeInterval(5), now: start))
        #expect(try await store.release(member: "done") == ["p:carol"])
        for second in 6..<40 { _ = try await store.take(bucket: "x", capacity: 1e9, refillPerSecond: 1e9, now: start.addingTimeInterval(Double(second))) }
        // bob's one place is still taken; carol's filing was spent without effect.
        #expect(try await !store.admit(member: "other", caps: [(key: "p:bob", cap: 1)], until: start.addingTimeInterval(100), now: start.addingTimeInterval(40)))
        #expect(store.sizes.members == 1)
    }

    @Test("a bucket is dropped once it has refilled; one taken from again is kept until it refills")
    func refilledBucketsDropped() async throws {
        let store = InMemoryLimitStore()
        // 2 tokens, one a second: full again 1 s after a take.
        #expect(try await store.take(bucket: "b:quiet", capacity: 2, refillPerSecond: 1, now: start) == nil)
        #expect(try await store.take(bucket: "b:busy", capacity: 2, refillPerSecond: 1, now: start) == nil)
        for tenth in 1...50 {
            let now = start.addingTimeInterval(Double(tenth) / 10)
            _ = try await store.take(bucket: "b:busy", capacity: 2, refillPerSecond: 1, now: now)
        }
        #expect(store.sizes.buckets == 1)  // quiet refilled and went; busy is being taken from
        // Left alone, busy refills and goes too.
        for second in 10...14 { _ = try await store.admit(member: "m\(second)", caps: [], until: start.addingTimeInterval(1000), now: start.addingTimeInterval(Double(second))) }
        #expect(store.sizes.buckets == 0)
    }
}
