import Foundation

/// One JSON coding for plugin state records, so every plugin stores dates and keys the same way:
/// dates as seconds since 1970, keys sorted (so equal states encode to equal bytes, which
/// ``PluginStateStore/replace(namespace:key:expected:with:group:)`` compares).
package enum PluginStateCoding {
    /// Encodes a plugin's state.
    package static func encode(_ value: some Encodable) throws -> Data {
        try encoder.encode(value)
    }

    /// Decodes a plugin's state.
    package static func decode<Value: Decodable>(_ type: Value.Type, from data: Data) throws -> Value {
        try decoder.decode(type, from: data)
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()

    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }()
}
