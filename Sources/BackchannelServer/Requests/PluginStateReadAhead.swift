import BackchannelCore
import Foundation
import Synchronization

/// The plugin-state records kept under one request's `auth_req_id` hash, read by a database store in
/// the same round trip as a poll's bookkeeping, for the authenticator's status check that follows.
///
/// The engine makes it ``current`` for the status check alone; a store's
/// ``PluginStateStore/record(namespace:key:)`` answers the first read of each record from it, as it was
/// one statement earlier, and every later read from the database (a compare-and-set retry must see what
/// changed). A poll is then one round trip for an authenticator whose records are keyed by the request.
public final class PluginStateReadAhead: Sendable {
    /// The read-ahead of the status check running in this task, if any.
    @TaskLocal public static var current: PluginStateReadAhead?

    /// The key every record here is kept under.
    public let key: String
    private let records: [PluginStateRecord]
    private let read = Mutex<Set<String>>([])

    /// Records read under `key` (live ones, of any namespace); no record in a namespace means none there.
    public init(key: String, records: [PluginStateRecord]) {
        self.key = key
        self.records = records
    }

    /// The record of `namespace` under `key`, the first time it is asked for: `.some(nil)` when there was
    /// none; `nil` when this read-ahead cannot answer (another key, or read before), so ask the store.
    public func take(namespace: String, key: String) -> PluginStateRecord?? {
        guard key == self.key, read.withLock({ $0.insert(namespace).inserted }) else { return nil }
        return .some(records.first { $0.namespace == namespace })
    }
}
