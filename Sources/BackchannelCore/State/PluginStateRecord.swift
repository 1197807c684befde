import Foundation

/// One record of a plugin's state, as the ``PluginStateStore`` keeps it.
public struct PluginStateRecord: Sendable, Hashable {
    /// The plugin's namespace, such as its registry name.
    public var namespace: String
    /// The record's key, unique in the namespace.
    public var key: String
    /// A group to list records by, or `nil`.
    public var group: String?
    /// The plugin's data, typically JSON.
    public var value: Data
    /// When it was written first.
    public var createdAt: Date
    /// When the host may purge it.
    public var expiresAt: Date

    /// Creates a record.
    public init(namespace: String, key: String, group: String? = nil, value: Data, createdAt: Date, expiresAt: Date) {
        self.namespace = namespace
        self.key = key
        self.group = group
        self.value = value
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}
