import Synchronization

/// Rows read recently, kept in memory so that what a token poll reads on every poll (its pending request,
/// the authenticator's state record) is not looked up in the file again.
///
/// It can be coherent because the file is this process's alone (see ``SQLiteStore``): every change goes
/// through the store, which drops the row from here on the database queue in the same step as the
/// statement that changes it, while misses are filled on that queue too. So a fill never races a change;
/// a read served from here while a change is under way sees the row as it was just before.
///
/// Bounded: when full it starts over (amortised O(1), no ordering to maintain); a miss reads the file.
final class RecentRows<Key: Hashable & Sendable, Row: Sendable>: Sendable {
    private let rows = Mutex<[Key: Row]>([:])
    private let capacity: Int

    init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    /// The row kept under `key`, if any.
    subscript(key: Key) -> Row? {
        rows.withLock { $0[key] }
    }

    /// Keeps a row just read (call on the database queue).
    func keep(_ row: Row, for key: Key) {
        rows.withLock { rows in
            if rows.count >= capacity { rows.removeAll(keepingCapacity: true) }
            rows[key] = row
        }
    }

    /// Drops a row about to change (call on the database queue, in the step that changes it).
    func drop(_ key: Key) {
        _ = rows.withLock { $0.removeValue(forKey: key) }
    }
}

/// A plugin state record's identity.
struct PluginStateKey: Hashable, Sendable {
    var namespace: String
    var key: String
}
