import Synchronization

/// The decoded form of one stored plugin state value, kept beside its bytes by the stores of this
/// package, so a status check on every token poll does not decode the same JSON again.
///
/// A store makes a new cache whenever a record's bytes change, so a cached value always belongs to the
/// bytes it travels with.
package final class DecodedStateCache: Sendable {
    private let decoded: Mutex<(any Sendable)?>

    package init() {
        decoded = Mutex(nil)
    }

    /// The cached value, if one of this type was stored.
    package func value<Value: Sendable>(as type: Value.Type) -> Value? {
        decoded.withLock { $0 as? Value }
    }

    /// Caches a decoded value.
    package func store(_ value: some Sendable) {
        decoded.withLock { $0 = value }
    }
}

/// A record with the cache of its decoded value.
package struct CachedStateRecord: Sendable {
    package var record: PluginStateRecord
    package let cache: DecodedStateCache

    package init(_ record: PluginStateRecord, cache: DecodedStateCache = DecodedStateCache()) {
        self.record = record
        self.cache = cache
    }
}

/// A store that keeps records in memory and their decoded values with them: ``PluginStateSlot`` reads
/// through it, so a record read again is not decoded again.
package protocol DecodedStateCaching: PluginStateStore {
    /// The record under `key` with its cache, unless it has expired.
    func cachedRecord(namespace: String, key: String) async throws -> CachedStateRecord?
}
