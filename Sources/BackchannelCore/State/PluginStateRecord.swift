import Foundation

/// One record of a plugin's state.
public struct PluginStateRecord: Sendable, Hashable {
    /// The plugin's namespace, such as its registry name.
    public var namespace: String
    /// The record's key, unique in the namespace.
    public var key: String
    /// A group to list records by, or `nil`.
    public var group: String?
    /// The plugin's data, typically JSON.
    public var value: Data {
        // A decoding belongs to the bytes it came from: new bytes, no decoding.
        didSet { decodedCache = nil }
    }
    /// When it was written first.
    public var createdAt: Date
    /// When the host may purge it.
    public var expiresAt: Date

    /// The decoded value, where the store keeps records in memory (not part of the record's identity).
    package var decodedCache: DecodedStateCache?

    /// Creates a record.
    public init(namespace: String, key: String, group: String? = nil, value: Data, createdAt: Date, expiresAt: Date) {
        self.namespace = namespace
        self.key = key
        self.group = group
        self.value = value
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }

    public static func == (lhs: PluginStateRecord, rhs: PluginStateRecord) -> Bool {
        lhs.namespace == rhs.namespace && lhs.key == rhs.key && lhs.group == rhs.group && lhs.value == rhs.value
            && lhs.createdAt == rhs.createdAt && lhs.expiresAt == rhs.expiresAt
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(namespace)
        hasher.combine(key)
        hasher.combine(group)
        hasher.combine(value)
        hasher.combine(createdAt)
        hasher.combine(expiresAt)
    }
}
