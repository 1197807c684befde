import Foundation

/// One compare-and-set of a record, as ``PluginStateStore/replace(namespace:key:expected:with:group:)`` makes it:
/// the record under ``key`` in ``namespace`` takes ``value`` and ``group`` if its value still equals ``expected``.
public struct PluginStateReplacement: Sendable, Hashable {
    /// The plugin's namespace.
    public var namespace: String
    /// The record's key.
    public var key: String
    /// The value the record must still hold.
    public var expected: Data
    /// Its new value.
    public var value: Data
    /// The group it is in afterwards (`nil`: none).
    public var group: String?

    /// A replacement of the record under `key` in `namespace`.
    public init(namespace: String, key: String, expected: Data, value: Data, group: String?) {
        self.namespace = namespace
        self.key = key
        self.expected = expected
        self.value = value
        self.group = group
    }
}

extension PluginStateStore {
    /// Makes `replacement` (``replace(namespace:key:expected:with:group:)``).
    /// - Returns: `false` when the record is gone or was changed by someone else.
    public func replace(_ replacement: PluginStateReplacement) async throws -> Bool {
        try await replace(
            namespace: replacement.namespace, key: replacement.key, expected: replacement.expected, with: replacement.value,
            group: replacement.group)
    }
}
