import BackchannelCore
import BackchannelServer
import Foundation
import Synchronization

/// The plugin-state records kept under one request's `auth_req_id` hash, read by ``PostgresStore`` in the
/// same round trip as a poll's request, for the authenticator's status check that follows.
///
/// It is the poll's ``StatusCheckScope``: while the check runs it is ``current``, and the store's
/// ``PostgresStore/record(namespace:key:)`` answers the first read of each record from it, as it was one
/// statement earlier, and every later read from the database (a compare-and-set retry must see what
/// changed). A poll is then one round trip for an authenticator whose records are keyed by the request.
final class PluginStateReadAhead: StatusCheckScope {
    /// The read-ahead of the status check running in this task, if any.
    @TaskLocal static var current: PluginStateReadAhead?

    /// The key every record here is kept under.
    let key: String
    private let records: [PluginStateRecord]
    private let read = Mutex<Set<String>>([])

    /// Records read under `key` (live ones, of any namespace); no record in a namespace means none there.
    init(key: String, records: [PluginStateRecord]) {
        self.key = key
        self.records = records
    }

    /// The record of `namespace` under `key`, the first time it is asked for: `.some(nil)` when there was
    /// none; `nil` when this read-ahead cannot answer (another key, or read before), so ask the store.
    func take(namespace: String, key: String) -> PluginStateRecord?? {
        guard key == self.key, read.withLock({ $0.insert(namespace).inserted }) else { return nil }
        return .some(records.first { $0.namespace == namespace })
    }

    func run<Result>(_ check: () async throws -> Result) async rethrows -> Result {
        try await Self.$current.withValue(self, operation: check)
    }
}
