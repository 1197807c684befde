import Foundation
import PostgresNIO

// The plugin-state statements every request makes (its record written, read, concluded and deleted),
// prepared once per connection: each is a primary-key lookup, whose generic plan is the custom one.

/// Stores a new record; an expired one under the same key is replaced in the same statement.
struct InsertPluginStateStatement: PostgresPreparedStatement {
    static let sql = """
        INSERT INTO backchannel_plugin_state (namespace, key, group_name, value, created_at, expires_at)
        VALUES ($1::TEXT, $2::TEXT, $3::TEXT, $4::BYTEA, $5::DOUBLE PRECISION, $6::DOUBLE PRECISION)
        ON CONFLICT (namespace, key) DO UPDATE SET group_name = EXCLUDED.group_name, value = EXCLUDED.value,
            created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
        WHERE backchannel_plugin_state.expires_at <= $7::DOUBLE PRECISION
        RETURNING key
        """
    typealias Row = PostgresRow

    var record: PluginStateRecordValues
    var now: Double

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 7)
        try record.append(to: &bindings)
        bindings.append(now)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

/// A live record by namespace and key.
struct PluginStateRecordStatement: PostgresPreparedStatement {
    static let sql = """
        SELECT namespace, key, group_name, value, created_at, expires_at FROM backchannel_plugin_state
        WHERE namespace = $1::TEXT AND key = $2::TEXT AND expires_at > $3::DOUBLE PRECISION
        """
    typealias Row = PostgresRow

    var namespace: String
    var key: String
    var now: Double

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 3)
        bindings.append(namespace)
        bindings.append(key)
        bindings.append(now)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

/// Compare-and-set of a live record's value (and group).
struct ReplacePluginStateStatement: PostgresPreparedStatement {
    static let sql = """
        UPDATE backchannel_plugin_state SET value = $1::BYTEA, group_name = $2::TEXT
        WHERE namespace = $3::TEXT AND key = $4::TEXT AND value = $5::BYTEA AND expires_at > $6::DOUBLE PRECISION
        RETURNING key
        """
    typealias Row = PostgresRow

    var value: Data
    var group: String?
    var namespace: String
    var key: String
    var expected: Data
    var now: Double

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 6)
        try bindings.append(value)
        bindings.append(group)
        bindings.append(namespace)
        bindings.append(key)
        try bindings.append(expected)
        bindings.append(now)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

/// Deletes a record by namespace and key.
struct DeletePluginStateStatement: PostgresPreparedStatement {
    static let sql = "DELETE FROM backchannel_plugin_state WHERE namespace = $1::TEXT AND key = $2::TEXT"
    typealias Row = PostgresRow

    var namespace: String
    var key: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(namespace)
        bindings.append(key)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

/// A record's columns in the order the insert binds them.
struct PluginStateRecordValues {
    var namespace: String
    var key: String
    var group: String?
    var value: Data
    var createdAt: Double
    var expiresAt: Double

    func append(to bindings: inout PostgresBindings) throws {
        bindings.append(namespace)
        bindings.append(key)
        bindings.append(group)
        try bindings.append(value)
        bindings.append(createdAt)
        bindings.append(expiresAt)
    }
}
