import BackchannelCore
import BackchannelTesting
import Foundation
import Testing

@Suite("PluginStateSlot")
struct PluginStateSlotTests {
    struct Counter: Codable, Sendable, Equatable { var value: Int }

    @Test("concurrent updates are all applied: compare-and-set retries lost races")
    func concurrentUpdates() async throws {
        let clock = VirtualClock()
        let slot = PluginStateSlot<Counter>(store: InMemoryPluginStateStore(clock: clock), namespace: "test")
        #expect(try await slot.insert(Counter(value: 0), key: "k", createdAt: clock.now, expiresAt: clock.now.addingTimeInterval(60)))
        let applied = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<4 { group.addTask { try await slot.update("k") { (Counter(value: $0.value + 1), nil) } != nil } }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(try await slot.load("k")?.value.value == applied)
        #expect(applied >= 1)
    }

    @Test("a declined change stores nothing, and a missing record is nil")
    func declined() async throws {
        let clock = VirtualClock()
        let slot = PluginStateSlot<Counter>(store: InMemoryPluginStateStore(clock: clock), namespace: "test")
        _ = try await slot.insert(Counter(value: 7), key: "k", createdAt: clock.now, expiresAt: clock.now.addingTimeInterval(60))
        #expect(try await slot.update("k") { _ in nil } == nil)
        #expect(try await slot.load("k")?.value == Counter(value: 7))
        #expect(try await slot.update("missing") { ($0, nil) } == nil)
    }
}
