import Foundation

/// Typed access to one kind of record in a plugin's namespace of the ``PluginStateStore``: read a value,
/// and update it with compare-and-set, retried when another process changed it first.
///
/// One way to read: ``load(_:)`` returns the value with the record it was read from, and an update or a
/// conclusion that starts from what was just read takes that ``Loaded`` instead of reading again.
///
/// Make a slot once, when the plugin is made, and keep it in a stored property: making one asks the store
/// whether it keeps decoded values, a cost a status check should not pay on every poll.
public struct PluginStateSlot<Value: Codable & Sendable>: Sendable {
    /// A value as read, with the record it came from (its bytes, group and expiry).
    public struct Loaded: Sendable {
        /// The decoded value.
        public let value: Value
        /// The stored record: ``PluginStateRecord/value`` is what a compare-and-set expects.
        public let record: PluginStateRecord

        /// A value read from `record`.
        public init(value: Value, record: PluginStateRecord) {
            self.value = value
            self.record = record
        }
    }

    /// The store.
    public let store: any PluginStateStore
    /// The plugin's namespace.
    public let namespace: String
    private let caching: (any DecodedStateCaching)?

    /// Creates access to `namespace` in `store`.
    public init(store: any PluginStateStore, namespace: String) {
        self.store = store
        self.namespace = namespace
        self.caching = store as? any DecodedStateCaching
    }

    /// The value under `key` with the record it was read from, unless it is absent or expired.
    public func load(_ key: String) async throws -> Loaded? {
        if let caching {
            guard let stored = try await caching.cachedRecord(namespace: namespace, key: key) else { return nil }
            if let cached = stored.cache.value(as: Value.self) { return Loaded(value: cached, record: stored.record) }
            let value = try PluginStateCoding.decode(Value.self, from: stored.record.value)
            stored.cache.store(value)
            return Loaded(value: value, record: stored.record)
        }
        guard let stored = try await store.record(namespace: namespace, key: key) else { return nil }
        return Loaded(value: try PluginStateCoding.decode(Value.self, from: stored.value), record: stored)
    }

    /// The unexpired values of a group, oldest first, each with its record.
    /// - Parameters:
    ///   - group: The group.
    ///   - unreadable: Told of each record that does not decode as `Value` (which is left out), so the
    ///     plugin can say so in its log instead of skipping it in silence.
    public func load(group: String, unreadable: (PluginStateRecord, any Error) -> Void = { _, _ in }) async throws -> [Loaded] {
        try await store.records(namespace: namespace, group: group).compactMap { record in
            do {
                return Loaded(value: try PluginStateCoding.decode(Value.self, from: record.value), record: record)
            } catch {
                unreadable(record, error)
                return nil
            }
        }
    }

    /// Stores a new value. - Returns: `false` when the key is taken.
    public func insert(_ value: Value, key: String, group: String? = nil, createdAt: Date, expiresAt: Date) async throws -> Bool {
        try await store.insert(
            PluginStateRecord(
                namespace: namespace, key: key, group: group, value: try PluginStateCoding.encode(value), createdAt: createdAt,
                expiresAt: expiresAt))
    }

    /// Applies `change` to the current value and stores the result if nobody changed the record meanwhile,
    /// re-reading and retrying a few times when somebody did.
    /// - Parameters:
    ///   - key: The record's key.
    ///   - loaded: The record as just read by ``load(_:)``, if it was: the first attempt starts from it;
    ///     a later attempt, after somebody changed the record, reads it afresh.
    ///   - group: The group the record moves to (`nil`: none); by default it stays in its group.
    ///   - change: Returns the new value, or `nil` to leave the record as it is.
    /// - Returns: The stored new value, or `nil` when the record is gone, `change` declined, or the
    ///   record kept changing under it.
    public func update(
        _ key: String, from loaded: Loaded? = nil, movingTo group: GroupChange = .keep, _ change: (Value) throws -> Value?
    ) async throws -> Value? {
        try await update(key, from: loaded, movingTo: group, change) { replacement, _ in try await store.replace(replacement) }
    }

    /// ``update(_:from:movingTo:_:)``, each compare-and-set made by `write` (given the replacement and the new
    /// value): a conclusion writes it together with the request's.
    func update(
        _ key: String, from loaded: Loaded?, movingTo group: GroupChange, _ change: (Value) throws -> Value?,
        write: (PluginStateReplacement, Value) async throws -> Bool
    ) async throws -> Value? {
        var known = loaded
        for _ in 0..<5 {
            let current: Loaded
            if let given = known {
                current = given
                known = nil
            } else {
                guard let read = try await load(key) else { return nil }
                current = read
            }
            guard let updated = try change(current.value) else { return nil }
            let newGroup: String? = switch group {
            case .keep: current.record.group
            case .group(let target): target
            }
            let replacement = PluginStateReplacement(
                namespace: namespace, key: key, expected: current.record.value, value: try PluginStateCoding.encode(updated), group: newGroup)
            if try await write(replacement, updated) { return updated }
        }
        return nil
    }
}

/// Where an update leaves a record: in its group, or in another one.
public enum GroupChange: Sendable, Hashable {
    /// It stays in the group it is in.
    case keep
    /// It moves to this group; `nil` takes it out of any.
    case group(String?)
}
