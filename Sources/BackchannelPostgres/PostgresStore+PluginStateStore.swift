import BackchannelCore
import BackchannelServer
import Foundation
import PostgresNIO

extension PostgresStore: PluginStateStore {
    public func insert(_ record: PluginStateRecord) async throws -> Bool {
        // An expired record under the same key no longer counts: replaced in the same statement.
        let values = PluginStateRecordValues(
            namespace: record.namespace, key: record.key, group: record.group, value: record.value,
            createdAt: record.createdAt.timeIntervalSince1970, expiresAt: record.expiresAt.timeIntervalSince1970)
        let rows = try await client.execute(InsertPluginStateStatement(record: values, now: clock.now.timeIntervalSince1970), logger: logger)
        pollCache.forget(record.key)
        return rows.count == 1
    }

    public func record(namespace: String, key: String) async throws -> PluginStateRecord? {
        // Read with the poll whose status check this is (the first read of it only).
        if let readAhead = PluginStateReadAhead.current?.take(namespace: namespace, key: key) { return readAhead }
        let rows = try await client.execute(
            PluginStateRecordStatement(namespace: namespace, key: key, now: clock.now.timeIntervalSince1970), logger: logger)
        return try rows.first.map(Self.record)
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
        let statement = ReplacePluginStateStatement(
            value: value, group: group, namespace: namespace, key: key, expected: expected, now: clock.now.timeIntervalSince1970)
        defer { pollCache.forget(key) }
        return try await client.execute(statement, logger: logger).count == 1
    }

    public func delete(namespace: String, key: String) async throws {
        defer { pollCache.forget(key) }
        _ = try await client.execute(DeletePluginStateStatement(namespace: namespace, key: key), logger: logger)
    }

    public func delete(namespace: String, keys: [String]) async throws {
        guard !keys.isEmpty else { return }
        defer { for key in keys { pollCache.forget(key) } }
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
