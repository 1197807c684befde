import BackchannelCore
import BackchannelServer
import Foundation
import PostgresNIO

extension PostgresStore: PluginStateStore {
    public func insert(_ record: PluginStateRecord) async throws -> Bool {
        let now = clock.now.timeIntervalSince1970
        // An expired record under the same key no longer counts: replace it in the same statement.
        let rows = try await client.query(
            """
            INSERT INTO backchannel_plugin_state (namespace, key, group_name, value, created_at, expires_at)
            VALUES (\(record.namespace), \(record.key), \(record.group), \(record.value), \(record.createdAt.timeIntervalSince1970),
                \(record.expiresAt.timeIntervalSince1970))
            ON CONFLICT (namespace, key) DO UPDATE SET group_name = EXCLUDED.group_name, value = EXCLUDED.value,
                created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
            WHERE backchannel_plugin_state.expires_at <= \(now)
            RETURNING key
            """, logger: logger)
        return rows.count == 1
    }

    public func record(namespace: String, key: String) async throws -> PluginStateRecord? {
        // Read with the poll whose status check this is (the first read of it only).
        if let readAhead = PluginStateReadAhead.current?.take(namespace: namespace, key: key) { return readAhead }
        let now = clock.now.timeIntervalSince1970
        let rows = try await client.query(
            """
            SELECT namespace, key, group_name, value, created_at, expires_at FROM backchannel_plugin_state
            WHERE namespace = \(namespace) AND key = \(key) AND expires_at > \(now)
            """, logger: logger)
        var found: PluginStateRecord?
        for row in rows where found == nil { found = try Self.record(row) }
        return found
    }

    public func records(namespace: String, group: String) async throws -> [PluginStateRecord] {
        let now = clock.now.timeIntervalSince1970
        let rows = try await client.query(
            """
            SELECT namespace, key, group_name, value, created_at, expires_at FROM backchannel_plugin_state
            WHERE namespace = \(namespace) AND group_name = \(group) AND expires_at > \(now)
            ORDER BY created_at, key
            """, logger: logger)
        var records: [PluginStateRecord] = []
        for row in rows { records.append(try Self.record(row)) }
        return records
    }

    public func replace(namespace: String, key: String, expected: Data, with value: Data, group: String?) async throws -> Bool {
        let now = clock.now.timeIntervalSince1970
        let rows = try await client.query(
            """
            UPDATE backchannel_plugin_state SET value = \(value), group_name = \(group)
            WHERE namespace = \(namespace) AND key = \(key) AND value = \(expected) AND expires_at > \(now)
            RETURNING key
            """, logger: logger)
        return rows.count == 1
    }

    public func delete(namespace: String, key: String) async throws {
        try await client.query("DELETE FROM backchannel_plugin_state WHERE namespace = \(namespace) AND key = \(key)", logger: logger)
    }

    public func delete(namespace: String, keys: [String]) async throws {
        guard !keys.isEmpty else { return }
        try await client.query("DELETE FROM backchannel_plugin_state WHERE namespace = \(namespace) AND key = ANY(\(keys))", logger: logger)
    }

    public func purgeExpired(now: Date) async throws -> Int {
        let rows = try await client.query(
            "DELETE FROM backchannel_plugin_state WHERE expires_at <= \(now.timeIntervalSince1970) RETURNING key", logger: logger)
        return rows.count
    }

    static func record(_ row: PostgresRow) throws -> PluginStateRecord {
        let (namespace, key, group, value, created, expires) = try row.decode((String, String, String?, Data, Double, Double).self)
        return PluginStateRecord(
            namespace: namespace, key: key, group: group, value: value, createdAt: Date(timeIntervalSince1970: created),
            expiresAt: Date(timeIntervalSince1970: expires))
    }
}
