/// A coding key for any name, used to list every key an object actually has.
private struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension Decoder {
    /// Throws when the object being decoded has a key that none of `keys` names, so a misspelt
    /// configuration field fails at start-up instead of being silently ignored.
    ///
    /// Call it first in a configuration type's `init(from:)`; the error's path names the unknown key.
    /// - Parameter keys: The type's coding keys; their `stringValue`s are the known names (in the
    ///   camelCase a snake_case key is converted to).
    public func rejectUnknownKeys<Key: CodingKey & CaseIterable>(_ keys: Key.Type) throws {
        let known = Set(Key.allCases.map(\.stringValue))
        let container = try self.container(keyedBy: AnyCodingKey.self)
        if let unknown = container.allKeys.first(where: { !known.contains($0.stringValue) }) {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: codingPath + [unknown], debugDescription: "is not a known field"))
        }
    }
}
