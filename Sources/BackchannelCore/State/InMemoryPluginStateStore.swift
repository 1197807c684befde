import Foundation
import Synchronization

/// Plugin state in this process's memory: for tests and single-process demos.
public final class InMemoryPluginStateStore: PluginStateStore {
    private struct Key: Hashable {
        var namespace: String
        var key: String
    }

    private struct State {
        var records: [Key: PluginStateRecord] = [:]
        var groups: [Key: Set<String>] = [:]  // (namespace, group) → keys
    }

    private let state = Mutex(State())
    private let clock: any BackchannelClock

    /// Creates an empty store; records past their expiry on `clock` are not returned.
    public init(clock: any BackchannelClock = SystemClock()) {
        self.clock = clock
    }

    public func insert(_ record: PluginStateRecord) async throws -> Bool {
        let now = clock.now
        return state.withLock { state in
            let key = Key(namespace: record.namespace, key: record.key)
            if let existing = state.records[key], existing.expiresAt > now { return false }
            Self.remove(key, from: &state)
            state.records[key] = record
            if let group = record.group { state.groups[Key(namespace: record.namespace, key: group), default: []].insert(record.key) }
            return true
        }
    }

    public func record(namespace: String, key: String) async throws -> PluginStateRecord? {
        let now = clock.now
        return state.withLock { $0.records[Key(namespace: namespace, key: key)] }.flatMap { $0.expiresAt > now ? $0 : nil }
    }

    public func records(namespace: String, group: String) async throws -> [PluginStateRecord] {
        let now = clock.now
        return state.withLock { state in
            (state.groups[Key(namespace: namespace, key: group)] ?? []).compactMap { state.records[Key(namespace: namespace, key: $0)] }
        }
        .filter { $0.expiresAt > now }
        .sorted { ($0.createdAt, $0.key) < ($1.createdAt, $1.key) }
    }

    public func replace(namespace: String, key: String, expected: Data, with value: Data, group: String?) async throws -> Bool {
        let now = clock.now
        return state.withLock { state in
            let id = Key(namespace: namespace, key: key)
            guard var record = state.records[id], record.expiresAt > now, record.value == expected else { return false }
            if let old = record.group { state.groups[Key(namespace: namespace, key: old)]?.remove(key) }
            record.value = value
            record.group = group
            if let group { state.groups[Key(namespace: namespace, key: group), default: []].insert(key) }
            state.records[id] = record
            return true
        }
    }

    public func delete(namespace: String, key: String) async throws {
        state.withLock { Self.remove(Key(namespace: namespace, key: key), from: &$0) }
    }

    public func purgeExpired(now: Date) async throws -> Int {
        state.withLock { state in
            let expired = state.records.filter { $0.value.expiresAt <= now }.map(\.key)
            for key in expired { Self.remove(key, from: &state) }
            return expired.count
        }
    }

    private static func remove(_ key: Key, from state: inout State) {
        guard let record = state.records.removeValue(forKey: key) else { return }
        if let group = record.group {
            let groupKey = Key(namespace: key.namespace, key: group)
            state.groups[groupKey]?.remove(key.key)
            if state.groups[groupKey]?.isEmpty == true { state.groups[groupKey] = nil }
        }
    }
}
