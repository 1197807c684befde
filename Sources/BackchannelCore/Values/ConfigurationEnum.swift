/// A configuration value that is one of a fixed set of words (`action: approve`, `kind: sqlite`).
///
/// Conforming changes what a wrong word says: the allowed values, instead of Swift's "Cannot initialize
/// … from invalid String value".
public protocol ConfigurationEnum: RawRepresentable<String>, CaseIterable, Decodable {}

extension ConfigurationEnum {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let word = try container.decode(String.self)
        guard let value = Self(rawValue: word) else {
            let allowed = Self.allCases.map(\.rawValue).joined(separator: ", ")
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "must be one of \(allowed)")
        }
        self = value
    }
}
