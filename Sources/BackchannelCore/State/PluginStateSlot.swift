import Foundation

/// Typed access to one kind of record in a plugin's namespace of the ``PluginStateStore``: read a value,
/// and update it with compare-and-set, retried when another process changed it first.
public struct PluginStateSlot<Value: Codable & Sendable>: Sendable {
    /// The store.
    public let store: any PluginStateStore
    /// The plugin's namespace.
    public let namespace: String

    /// Creates access to `namespace` in `store`.
    public init(store: any PluginStateStore, namespace: String) {
        self.store = store
        self.namespace = namespace
    }

    /// The value under `key`, with its stored bytes (for a later compare-and-set), unless it is absent
    /// or expired.
    public func load(_ key: String) async throws -> (value: Value, data: Data)? {
        guard let stored = try await store.record(namespace: namespace, key: key) else { return nil }
        if let cached = stored.decodedCache?.value(as: Value.self) { return (cached, stored.value) }
        let value = try PluginStateCoding.decode(Value.self, from: stored.value)
        stored.decodedCache?.store(value)
        return (value, stored.value)
    }

    /// The value under `key` with the record it was read from (its bytes and group), unless absent or
    /// expired: for an update that starts from what was just read (``update(_:from:_:)``).
    public func loadRecord(_ key: String) async throws -> (value: Value, record: PluginStateRecord)? {
        guard let stored = try await store.record(namespace: namespace, key: key) else { return nil }
        if let cached = stored.decodedCache?.value(as: Value.self) { return (cached, stored) }
        let value = try PluginStateCoding.decode(Value.self, from: stored.value)
        stored.decodedCache?.store(value)
        return (value, stored)
    }

    /// Stores a new value. - Returns: `false` when the key is taken.
    public func insert(_ value: Value, key: String, group: String? = nil, createdAt: Date, expiresAt: Date) async throws -> Bool {
        var record = PluginStateRecord(
            namespace: namespace, key: key, group: group, value: try PluginStateCoding.encode(value), createdAt: createdAt,
            expiresAt: expiresAt)
        record.decodedCache = DecodedStateCache(value)
        return try await store.insert(record)
    }

    /// Applies `change` to the current value and stores the result if nobody changed the value meanwhile,
    /// re-reading and retrying a few times when somebody did. The record stays in its group.
    /// - Parameters:
    ///   - key: The record's key.
    ///   - change: Returns the new value, or `nil` to leave the record as it is.
    /// - Returns: The stored new value, or `nil` when the record is gone, `change` declined, or the
    ///   record kept changing under it.
    public func update(_ key: String, _ change: (Value) throws -> Value?) async throws -> Value? {
        try await update(key, group: .keep, change)
    }

    /// Like ``update(_:_:)``, and moves the record to another group (`nil`: none) in the same write.
    /// - Parameters:
    ///   - key: The record's key.
    ///   - group: The group it moves to.
    ///   - change: Returns the new value, or `nil` to leave the record as it is.
    public func update(_ key: String, movingTo group: String?, _ change: (Value) throws -> Value?) async throws -> Value? {
        try await update(key, group: .move(group), change)
    }

    /// Like ``update(_:_:)``, starting from `loaded` (just read by ``loadRecord(_:)``) instead of reading
    /// the record again; a later attempt, after somebody changed it, reads it afresh.
    public func update(_ key: String, from loaded: (value: Value, record: PluginStateRecord), _ change: (Value) throws -> Value?) async throws -> Value? {
        try await update(key, group: .keep, first: loaded, change)
    }

    enum GroupChange {
        case keep
        case move(String?)
    }

    func update(
        _ key: String, group: GroupChange, first loaded: (value: Value, record: PluginStateRecord)? = nil, _ change: (Value) throws -> Value?
    ) async throws -> Value? {
        var known = loaded
        for _ in 0..<5 {
            let current: Value
            let stored: PluginStateRecord
            if let given = known {
                (current, stored) = given
                known = nil
            } else {
                guard let read = try await store.record(namespace: namespace, key: key) else { return nil }
                stored = read
                if let cached = read.decodedCache?.value(as: Value.self) {
                    current = cached
                } else {
                    current = try PluginStateCoding.decode(Value.self, from: read.value)
                }
            }
            guard let updated = try change(current) else { return nil }
            let newGroup: String? = switch group {
            case .keep: stored.group
            case .move(let target): target
            }
            if try await store.replace(
                namespace: namespace, key: key, expected: stored.value, with: PluginStateCoding.encode(updated), group: newGroup)
            {
                return updated
            }
        }
        return nil
    }
}
