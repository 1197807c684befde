import BackchannelCore
import Foundation
import GRDB

extension SQLiteStore: DecodedStateCaching {
    public func insert(_ record: PluginStateRecord) async throws -> Bool {
        try await insert(contentsOf: [record]) == 1
    }

    public func insert(contentsOf records: [PluginStateRecord]) async throws -> Int {
        let now = clock.now.timeIntervalSince1970
        return try await commit.write { [self] db in
            var stored = 0
            for record in records {
                recentRecords.drop(PluginStateKey(namespace: record.namespace, key: record.key))
                if try Self.insert(record, into: db, now: now) { stored += 1 }
            }
            return stored
        }
    }

    private static func insert(_ record: PluginStateRecord, into db: Database, now: Double) throws -> Bool {
        // An expired record under the same key no longer counts.
        try db.cachedStatement(sql: "DELETE FROM plugin_state WHERE namespace = ? AND key = ? AND expires_at <= ?")
            .execute(arguments: [record.namespace, record.key, now])
        try db.cachedStatement(
            sql: """
                INSERT INTO plugin_state (namespace, key, group_name, value, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (namespace, key) DO NOTHING
                """
        ).execute(
            arguments: [
                record.namespace, record.key, record.group, record.value, record.createdAt.timeIntervalSince1970,
                record.expiresAt.timeIntervalSince1970,
            ])
        return db.changesCount == 1
    }

    public func record(namespace: String, key: String) async throws -> PluginStateRecord? {
        try await cachedRecord(namespace: namespace, key: key)?.record
    }

    package func cachedRecord(namespace: String, key: String) async throws -> CachedStateRecord? {
        let now = clock.now
        let id = PluginStateKey(namespace: namespace, key: key)
        if let kept = recentRecords[id], kept.record.expiresAt > now { return kept }
        return try await readNow { [self] db in
            let cursor = try Row.fetchCursor(
                db.cachedStatement(sql: "SELECT \(Self.recordColumns) FROM plugin_state WHERE namespace = ? AND key = ? AND expires_at > ?"),
                arguments: [namespace, key, now.timeIntervalSince1970])
            // The row is valid only while the cursor lives (its end resets the statement).
            guard let row = try withExtendedLifetime(cursor, { try cursor.next().map(Self.record) }) else { return nil }
            // Kept on the database queue, so no change can slip between this read and the keeping; the
            // kept record carries a decoding cache, so the plugin decodes its JSON once.
            let found = CachedStateRecord(row)
            recentRecords.keep(found, for: id)
            return found
        }
    }

    public func records(namespace: String, group: String) async throws -> [PluginStateRecord] {
        try await database.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT \(Self.recordColumns) FROM plugin_state WHERE namespace = ? AND group_name = ? AND expires_at > ? ORDER BY created_at, key",
                arguments: [namespace, group, clock.now.timeIntervalSince1970]
            ).map(Self.record)
        }
    }

    public func replace(namespace: String, key: String, expected: Data, with value: Data, group: String?) async throws -> Bool {
        try await commit.write { [self] db in
            recentRecords.drop(PluginStateKey(namespace: namespace, key: key))
            try db.cachedStatement(
                sql: "UPDATE plugin_state SET value = ?, group_name = ? WHERE namespace = ? AND key = ? AND value = ? AND expires_at > ?"
            ).execute(arguments: [value, group, namespace, key, expected, clock.now.timeIntervalSince1970])
            return db.changesCount == 1
        }
    }

    public func delete(namespace: String, key: String) async throws {
        try await commit.write { [self] db in
            recentRecords.drop(PluginStateKey(namespace: namespace, key: key))
            try db.cachedStatement(sql: "DELETE FROM plugin_state WHERE namespace = ? AND key = ?").execute(arguments: [namespace, key])
        }
    }

    public func delete(namespace: String, keys: [String]) async throws {
        guard !keys.isEmpty else { return }
        // One write for the batch: one savepoint, not one per key.
        try await commit.write { [self] db in
            let statement = try db.cachedStatement(sql: "DELETE FROM plugin_state WHERE namespace = ? AND key = ?")
            for key in keys {
                recentRecords.drop(PluginStateKey(namespace: namespace, key: key))
                try statement.execute(arguments: [namespace, key])
            }
        }
    }

    public func purgeExpired(now: Date) async throws -> Int {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM plugin_state WHERE expires_at <= ?", arguments: [now.timeIntervalSince1970])
            return db.changesCount
        }
    }

    /// The columns a record is read from, in the order `record(_:)` reads them by index.
    static let recordColumns = "namespace, key, group_name, value, created_at, expires_at"

    static func record(_ row: Row) -> PluginStateRecord {
        PluginStateRecord(
            namespace: row[0], key: row[1], group: row[2], value: row[3],
            createdAt: Date(timeIntervalSince1970: row[4]), expiresAt: Date(timeIntervalSince1970: row[5]))
    }
}
