import Foundation
import Synchronization

/// Plugin state in this process's memory: for tests and single-process demos.
///
/// Records are spread over independently locked shards, so the status checks on the poll path never
/// contend on one lock; only the group index (touched when records are added, answered or removed, and
/// when a page lists a group) has a lock of its own.
package final class InMemoryPluginStateStore: DecodedStateCaching {
    private struct Key: Hashable {
        var namespace: String
        var key: String
    }

    private let records: ShardedMutex<[Key: CachedStateRecord]>
    private let groups = Mutex<[Key: Set<String>]>([:])  // (namespace, group) → keys
    private let clock: any BackchannelClock

    /// Creates an empty store; records past their expiry on `clock` are not returned.
    package init(clock: any BackchannelClock = SystemClock(), shardCount: Int = 64) {
        self.clock = clock
        self.records = ShardedMutex(shardCount: shardCount) { [:] }
    }

    package func insert(_ record: PluginStateRecord) async throws -> Bool {
        let now = clock.now
        let key = Key(namespace: record.namespace, key: record.key)
        let replaced: PluginStateRecord?? = records.withLock(for: key) { records in
            if let existing = records[key], existing.record.expiresAt > now { return .none }
            return .some(records.updateValue(CachedStateRecord(record), forKey: key)?.record)
        }
        guard case .some(let expired) = replaced else { return false }
        groups.withLock { groups in
            if let old = expired?.group { groups[Key(namespace: record.namespace, key: old)]?.remove(record.key) }
            if let group = record.group { groups[Key(namespace: record.namespace, key: group), default: []].insert(record.key) }
        }
        return true
    }

    package func record(namespace: String, key: String) async throws -> PluginStateRecord? {
        try await cachedRecord(namespace: namespace, key: key)?.record
    }

    package func cachedRecord(namespace: String, key: String) async throws -> CachedStateRecord? {
        let now = clock.now
        let key = Key(namespace: namespace, key: key)
        return records.withLock(for: key) { $0[key] }.flatMap { $0.record.expiresAt > now ? $0 : nil }
    }

    /// Every unexpired record's namespace and key (for the handler contract: what a request left behind).
    package func keys() -> Set<[String]> {
        let now = clock.now
        var keys: Set<[String]> = []
        records.forEachShard { shard in
            for (key, stored) in shard where stored.record.expiresAt > now { keys.insert([key.namespace, key.key]) }
        }
        return keys
    }

    package func records(namespace: String, group: String) async throws -> [PluginStateRecord] {
        let now = clock.now
        let keys = groups.withLock { $0[Key(namespace: namespace, key: group)] ?? [] }
        var found: [PluginStateRecord] = []
        for key in keys {
            let id = Key(namespace: namespace, key: key)
            if let record = records.withLock(for: id, { $0[id]?.record }), record.expiresAt > now, record.group == group { found.append(record) }
        }
        return found.sorted { ($0.createdAt, $0.key) < ($1.createdAt, $1.key) }
    }

    package func replace(namespace: String, key: String, expected: Data, with value: Data, group: String?) async throws -> Bool {
        let now = clock.now
        let id = Key(namespace: namespace, key: key)
        let oldGroup: String?? = records.withLock(for: id) { records in
            guard var record = records[id]?.record, record.expiresAt > now, record.value == expected else { return .none }
            let old = record.group
            record.value = value
            record.group = group
            records[id] = CachedStateRecord(record)
            return .some(old)
        }
        guard case .some(let previous) = oldGroup else { return false }
        if previous != group {
            groups.withLock { groups in
                if let previous { groups[Key(namespace: namespace, key: previous)]?.remove(key) }
                if let group { groups[Key(namespace: namespace, key: group), default: []].insert(key) }
            }
        }
        return true
    }

    package func delete(namespace: String, key: String) async throws {
        let id = Key(namespace: namespace, key: key)
        if let removed = records.withLock(for: id, { $0.removeValue(forKey: id)?.record }) {
            unindex(removed)
        }
    }

    package func delete(namespace: String, keys: [String]) async throws {
        for key in keys { try await delete(namespace: namespace, key: key) }
    }

    package func purgeExpired(now: Date) async throws -> Int {
        var purged: [PluginStateRecord] = []
        records.forEachShard { records in
            for (key, entry) in records where entry.record.expiresAt <= now {
                records[key] = nil
                purged.append(entry.record)
            }
        }
        purged.forEach(unindex)
        return purged.count
    }

    private func unindex(_ record: PluginStateRecord) {
        guard let group = record.group else { return }
        groups.withLock { groups in
            let key = Key(namespace: record.namespace, key: group)
            groups[key]?.remove(record.key)
            if groups[key]?.isEmpty == true { groups[key] = nil }
        }
    }
}
