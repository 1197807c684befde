import BackchannelCore
import Foundation
import Synchronization

/// The decoded values of recently read plugin state records, each with the bytes it was decoded from, so
/// that a plugin reading the same unchanged record on every token poll decodes its JSON once.
///
/// A cached decoding is used only while the stored bytes are still equal to its own, so it can never be
/// stale, and a purged record's entry does no harm. The cache is bounded: when full it starts over
/// (amortised O(1), no ordering to maintain).
final class RecentDecodings: Sendable {
    private struct Key: Hashable {
        var namespace: String
        var key: String
    }

    private struct Entry {
        var bytes: Data
        var cache: DecodedStateCache
    }

    private let entries = Mutex<[Key: Entry]>([:])
    private let capacity: Int

    init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    /// The record with the decoding cache that belongs to its bytes attached.
    func attach(to record: PluginStateRecord) -> PluginStateRecord {
        var record = record
        let key = Key(namespace: record.namespace, key: record.key)
        record.decodedCache = entries.withLock { entries in
            if let entry = entries[key], entry.bytes == record.value { return entry.cache }
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            let cache = DecodedStateCache()
            entries[key] = Entry(bytes: record.value, cache: cache)
            return cache
        }
        return record
    }

    /// Forgets a deleted record.
    func forget(namespace: String, key: String) {
        _ = entries.withLock { $0.removeValue(forKey: Key(namespace: namespace, key: key)) }
    }
}
