import BackchannelCore
import BackchannelServer
import BackchannelTesting
import Foundation
import Testing

@Suite("Plugin state and signing key store contract", .timeLimit(.minutes(2)))
struct PluginStateStoreContractTests {
    private func record(_ key: String, group: String? = "pending:alice", value: String = "v1", at now: Date, expiresIn: TimeInterval = 100)
        -> PluginStateRecord
    {
        PluginStateRecord(namespace: "mock-push", key: key, group: group, value: Data(value.utf8), createdAt: now, expiresAt: now.addingTimeInterval(expiresIn))
    }

    @Test("records insert once, read back, list by group in order, and delete", arguments: StoreKind.available)
    func basics(kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        defer { store.close() }
        let state = store.pluginState
        let now = store.clock.now
        #expect(try await state.insert(record("a", at: now)))
        #expect(try await state.insert(record("a", value: "other", at: now)) == false)
        #expect(try await state.insert(record("b", at: now.addingTimeInterval(1))))
        #expect(try await state.insert(record("c", group: "pending:bob", at: now)))
        #expect(try await state.record(namespace: "mock-push", key: "a")?.value == Data("v1".utf8))
        #expect(try await state.record(namespace: "other", key: "a") == nil)
        #expect(try await state.records(namespace: "mock-push", group: "pending:alice").map(\.key) == ["a", "b"])
        try await state.delete(namespace: "mock-push", key: "a")
        try await state.delete(namespace: "mock-push", key: "a")
        #expect(try await state.records(namespace: "mock-push", group: "pending:alice").map(\.key) == ["b"])
    }

    @Test("a batch delete removes every record named and nothing else", arguments: StoreKind.available)
    func batchDelete(kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        defer { store.close() }
        let state = store.pluginState
        let now = store.clock.now
        for key in ["a", "b", "c"] { #expect(try await state.insert(record(key, at: now))) }
        _ = try await state.record(namespace: "mock-push", key: "a")  // read once: a cached copy must go too
        try await state.delete(namespace: "mock-push", keys: ["a", "c", "absent"])
        try await state.delete(namespace: "mock-push", keys: [])
        #expect(try await state.record(namespace: "mock-push", key: "a") == nil)
        #expect(try await state.record(namespace: "mock-push", key: "c") == nil)
        #expect(try await state.records(namespace: "mock-push", group: "pending:alice").map(\.key) == ["b"])
    }

    @Test("replace is compare-and-set: of concurrent updaters exactly one wins", arguments: StoreKind.available)
    func compareAndSet(kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        defer { store.close() }
        let state = store.pluginState
        #expect(try await state.insert(record("a", at: store.clock.now)))
        let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<20 {
                group.addTask {
                    try await state.replace(namespace: "mock-push", key: "a", expected: Data("v1".utf8), with: Data("v\(index + 2)".utf8), group: nil)
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(winners == 1)
        #expect(try await state.records(namespace: "mock-push", group: "pending:alice").isEmpty)
        #expect(try await state.replace(namespace: "mock-push", key: "missing", expected: Data(), with: Data(), group: nil) == false)
    }

    @Test("expired records are invisible, can be re-inserted, and are purged", arguments: StoreKind.available)
    func expiry(kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        defer { store.close() }
        let state = store.pluginState
        let now = store.clock.now
        #expect(try await state.insert(record("a", at: now, expiresIn: 10)))
        await store.clock.advance(by: 10)
        #expect(try await state.record(namespace: "mock-push", key: "a") == nil)
        #expect(try await state.records(namespace: "mock-push", group: "pending:alice").isEmpty)
        #expect(try await state.insert(record("a", value: "v2", at: store.clock.now, expiresIn: 10)))
        #expect(try await state.record(namespace: "mock-push", key: "a")?.value == Data("v2".utf8))
        #expect(try await state.purgeExpired(now: store.clock.now.addingTimeInterval(10)) == 1)
    }

    @Test("each algorithm's generated signing key is created once and agreed on by concurrent first starts", arguments: StoreKind.available.filter { $0 != .memory })
    func signingKey(kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        defer { store.close() }
        let keys = try #require(store.keys)
        for algorithm in [SigningAlgorithm.es256, .rs256] {
            let pems = try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<8 { group.addTask { try await keys.generatedSigningKey(algorithm: algorithm) { "\(algorithm)-\(index)" } } }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(pems.count == 1)
            #expect(pems.first?.hasPrefix("\(algorithm)-") == true)
            #expect(try await keys.generatedSigningKey(algorithm: algorithm) { "another" } == pems.first)
        }
    }

    @Test("a slot reads the current value, however often it read an older one", arguments: StoreKind.available)
    func slotReadsCurrentValue(kind: StoreKind) async throws {
        struct Counter: Codable, Sendable, Equatable { var value: Int }
        let store = try await StoreUnderTest.make(kind)
        defer { store.close() }
        let slot = PluginStateSlot<Counter>(store: store.pluginState, namespace: "mock-push")
        let now = store.clock.now
        #expect(try await slot.insert(Counter(value: 1), key: "a", createdAt: now, expiresAt: now.addingTimeInterval(100)))
        for _ in 0..<3 { #expect(try await slot.load("a")?.value == Counter(value: 1)) }
        let stored = try #require(try await slot.load("a"))
        #expect(try await store.pluginState.replace(namespace: "mock-push", key: "a", expected: stored.record.value, with: PluginStateCoding.encode(Counter(value: 2)), group: nil))
        #expect(try await slot.load("a")?.value == Counter(value: 2))
        try await store.pluginState.delete(namespace: "mock-push", key: "a")
        #expect(try await slot.load("a") == nil)
        #expect(try await slot.insert(Counter(value: 3), key: "a", createdAt: now, expiresAt: now.addingTimeInterval(100)))
        #expect(try await slot.load("a")?.value == Counter(value: 3))
    }
}
