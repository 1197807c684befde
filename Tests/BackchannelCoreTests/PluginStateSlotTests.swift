import BackchannelCore
import BackchannelTesting
import Foundation
import Testing

@Suite("PluginStateSlot")
struct PluginStateSlotTests {
    struct Counter: Codable, Sendable, Equatable { var value: Int }

    @Test("an update keeps the record in its group; moving it is explicit")
    func updateKeepsGroup() async throws {
        let clock = VirtualClock()
        let store = InMemoryPluginStateStore(clock: clock)
        let slot = PluginStateSlot<Counter>(store: store, namespace: "n")
        _ = try await slot.insert(Counter(value: 1), key: "k", group: "g", createdAt: clock.now, expiresAt: clock.now.addingTimeInterval(60))
        _ = try await slot.update("k") { Counter(value: $0.value + 1) }
        #expect(try await store.records(namespace: "n", group: "g").map(\.key) == ["k"])
        _ = try await slot.update("k", movingTo: .group(nil)) { Counter(value: $0.value + 1) }
        #expect(try await store.records(namespace: "n", group: "g").isEmpty)
        #expect(try await slot.load("k")?.value == Counter(value: 3))
    }

    @Test("concurrent updates are all applied: compare-and-set retries lost races")
    func concurrentUpdates() async throws {
        let clock = VirtualClock()
        let slot = PluginStateSlot<Counter>(store: InMemoryPluginStateStore(clock: clock), namespace: "test")
        #expect(try await slot.insert(Counter(value: 0), key: "k", createdAt: clock.now, expiresAt: clock.now.addingTimeInterval(60)))
        let applied = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<4 { group.addTask { try await slot.update("k") { Counter(value: $0.value + 1) } != nil } }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(try await slot.load("k")?.value.value == applied)
        #expect(applied >= 1)
    }

    @Test("a value replaced after it was read and cached is read anew, not from the cache")
    func cacheFollowsReplacement() async throws {
        let clock = VirtualClock()
        let store = InMemoryPluginStateStore(clock: clock)
        let slot = PluginStateSlot<Counter>(store: store, namespace: "test")
        _ = try await slot.insert(Counter(value: 1), key: "k", createdAt: clock.now, expiresAt: clock.now.addingTimeInterval(60))
        let first = try #require(try await slot.load("k"))
        #expect(first.value == Counter(value: 1))
        // Replaced behind the slot's back, as another plugin instance or a page would.
        #expect(try await store.replace(namespace: "test", key: "k", expected: first.record.value, with: PluginStateCoding.encode(Counter(value: 2)), group: nil))
        #expect(try await slot.load("k")?.value == Counter(value: 2))
        #expect(try await slot.update("k") { Counter(value: $0.value * 10) } == Counter(value: 20))
        #expect(try await slot.load("k")?.value == Counter(value: 20))
    }

    @Test("a record read, given new bytes and stored again, is decoded from the new bytes")
    func changedBytesDropTheDecoding() async throws {
        let clock = VirtualClock()
        let store = InMemoryPluginStateStore(clock: clock)
        let slot = PluginStateSlot<Counter>(store: store, namespace: "test")
        _ = try await slot.insert(Counter(value: 1), key: "a", createdAt: clock.now, expiresAt: clock.now.addingTimeInterval(60))
        #expect(try await slot.load("a")?.value == Counter(value: 1))
        var copy = try #require(try await store.record(namespace: "test", key: "a"))
        copy.key = "b"
        copy.value = try PluginStateCoding.encode(Counter(value: 5))
        #expect(try await store.insert(copy))
        #expect(try await slot.load("b")?.value == Counter(value: 5))
    }

    @Test("a record read as another type is decoded as that type")
    func cacheIsTyped() async throws {
        struct Other: Codable, Sendable, Equatable { var value: Int }
        let clock = VirtualClock()
        let store = InMemoryPluginStateStore(clock: clock)
        _ = try await PluginStateSlot<Counter>(store: store, namespace: "test")
            .insert(Counter(value: 3), key: "k", createdAt: clock.now, expiresAt: clock.now.addingTimeInterval(60))
        #expect(try await PluginStateSlot<Other>(store: store, namespace: "test").load("k")?.value == Other(value: 3))
    }

    @Test("a declined change stores nothing, and a missing record is nil")
    func declined() async throws {
        let clock = VirtualClock()
        let slot = PluginStateSlot<Counter>(store: InMemoryPluginStateStore(clock: clock), namespace: "test")
        _ = try await slot.insert(Counter(value: 7), key: "k", createdAt: clock.now, expiresAt: clock.now.addingTimeInterval(60))
        #expect(try await slot.update("k") { _ in nil } == nil)
        #expect(try await slot.load("k")?.value == Counter(value: 7))
        #expect(try await slot.update("missing") { $0 } == nil)
    }
}

@Suite("Concluding a plugin record")
struct ConcludableRecordTests {
    struct Request: ConcludableRecord, Equatable {
        var subject: String
        var attempts = 0
        var conclusion: RecordedConclusion?
        var result: BackchannelAuthenticationResult? { conclusion?.result(subject: subject, amr: ["otp"]) }
    }

    @Test("of racing conclusions exactly one is recorded and reported, with its change applied")
    func concludesOnce() async throws {
        let clock = VirtualClock()
        let sink = RecordingCompletionSink()
        let slot = PluginStateSlot<Request>(store: InMemoryPluginStateStore(clock: clock), namespace: "test")
        let id = AuthReqId(rawValue: "r1")
        _ = try await slot.insert(Request(subject: "alice"), key: id.rawValue, createdAt: clock.now, expiresAt: clock.now.addingTimeInterval(60))
        let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<6 {
                let conclusion = index.isMultiple(of: 2) ? RecordedConclusion(.approved, at: clock.now) : RecordedConclusion(.denied, at: clock.now, reason: "no")
                group.addTask { try await slot.conclude(id, with: conclusion, reportingTo: sink) { $0.attempts = 99 } != nil }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(winners == 1)
        #expect(sink.results(for: id).count == 1)
        let stored = try #require(try await slot.load(id.rawValue)?.value)
        #expect(stored.attempts == 99)
        #expect(stored.result == sink.results(for: id).first)
    }

    @Test("an approval authenticates the record's subject at the conclusion's time")
    func approvalAttributes() {
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(RecordedConclusion(.approved, at: at).result(subject: "alice", amr: ["sms"])
            == .approved(AuthenticationAttributes(subject: "alice", amr: ["sms"], authTime: at)))
        #expect(RecordedConclusion(.failed, at: at, reason: "x").result(subject: "alice", amr: []) == .failed(reason: "x"))
    }
}
