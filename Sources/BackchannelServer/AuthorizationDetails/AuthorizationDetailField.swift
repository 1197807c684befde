import BackchannelCore

/// One field of an authorization details type's schema (`policy.authorization_details_types.<type>.fields`):
/// what kind of value it holds, whether it must be present, and its bounds.
///
/// Whole numbers are `integer`; amounts are `decimal`, a string of digits with an optional fraction, as RFC
/// 9396's examples write them (`"123.50"`), so no value is ever rounded. There is no floating-point kind.
public struct AuthorizationDetailField: Sendable, Hashable, Decodable {
    /// What a field holds.
    public indirect enum Kind: Sendable, Hashable {
        /// A string of at most ``AuthorizationDetailField/maxLength`` characters, plain text on one line.
        case string
        /// A decimal number as a string: `-?[0-9]+(\.[0-9]+)?`.
        case decimal
        /// A whole number within ``AuthorizationDetailField/minimum`` and ``AuthorizationDetailField/maximum``.
        case integer
        /// `true` or `false`.
        case boolean
        /// An object with these fields and no others.
        case object([String: AuthorizationDetailField])
        /// An array whose items are all of this field's kind.
        case array(AuthorizationDetailField)
    }

    /// `type`: what the field holds.
    public var kind: Kind
    /// `required`: whether an entry without it is refused. Not by default.
    public var required: Bool
    /// `enum`: the only values a string or decimal field may take, if set.
    public var allowedValues: [String]?
    /// `min_length`: the fewest characters of a string or decimal (0 by default).
    public var minLength: Int
    /// `max_length`: the most characters of a string or decimal (256 by default).
    public var maxLength: Int
    /// `minimum` and `maximum`: an integer's bounds, if set.
    public var minimum: Int?
    /// See ``minimum``.
    public var maximum: Int?
    /// `min_items`: the fewest items of an array (0 by default).
    public var minItems: Int
    /// `max_items`: the most items of an array (16 by default).
    public var maxItems: Int

    /// Creates a field.
    public init(
        _ kind: Kind, required: Bool = false, allowedValues: [String]? = nil, minLength: Int = 0, maxLength: Int = 256,
        minimum: Int? = nil, maximum: Int? = nil, minItems: Int = 0, maxItems: Int = 16
    ) {
        self.kind = kind
        self.required = required
        self.allowedValues = allowedValues
        self.minLength = minLength
        self.maxLength = maxLength
        self.minimum = minimum
        self.maximum = maximum
        self.minItems = minItems
        self.maxItems = maxItems
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case type, required, `enum`, minLength, maxLength, minimum, maximum, minItems, maxItems, fields, items
    }

    /// The longest string a field may allow: bounded so one value's cost stays small.
    static let longestString = 4096

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let name = try container.decode(String.self, forKey: .type)
        switch name {
        case "string": kind = .string
        case "decimal": kind = .decimal
        case "integer": kind = .integer
        case "boolean": kind = .boolean
        case "object":
            let fields = try container.decode([String: AuthorizationDetailField].self, forKey: .fields)
            for fieldName in fields.keys where !Self.isFieldName(fieldName) {
                throw DecodingError.dataCorruptedError(
                    forKey: .fields, in: container, debugDescription: "field names must be ASCII letters, digits and _ (\(fieldName))")
            }
            kind = .object(fields)
        case "array": kind = .array(try container.decode(AuthorizationDetailField.self, forKey: .items))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: container, debugDescription: "must be string, decimal, integer, boolean, object or array")
        }
        if case .object = kind {} else if container.contains(.fields) {
            throw DecodingError.dataCorruptedError(forKey: .fields, in: container, debugDescription: "only an object has fields")
        }
        if case .array = kind {} else if container.contains(.items) {
            throw DecodingError.dataCorruptedError(forKey: .items, in: container, debugDescription: "only an array has items")
        }
        required = try container.decodeIfPresent(Bool.self, forKey: .required) ?? false
        allowedValues = try container.decodeIfPresent([String].self, forKey: .enum)
        minLength = try container.decodeIfPresent(Int.self, forKey: .minLength) ?? 0
        maxLength = try container.decodeIfPresent(Int.self, forKey: .maxLength) ?? (kind == .decimal ? 32 : 256)
        minimum = try container.decodeIfPresent(Int.self, forKey: .minimum)
        maximum = try container.decodeIfPresent(Int.self, forKey: .maximum)
        minItems = try container.decodeIfPresent(Int.self, forKey: .minItems) ?? 0
        maxItems = try container.decodeIfPresent(Int.self, forKey: .maxItems) ?? 16
        guard minLength >= 0, maxLength >= max(1, minLength), maxLength <= Self.longestString else {
            throw DecodingError.dataCorruptedError(
                forKey: .maxLength, in: container, debugDescription: "must be between min_length (at least 1) and \(Self.longestString)")
        }
        guard minItems >= 0, maxItems >= max(1, minItems), maxItems <= 256 else {
            throw DecodingError.dataCorruptedError(forKey: .maxItems, in: container, debugDescription: "must be between min_items (at least 1) and 256")
        }
        if let minimum, let maximum, minimum > maximum {
            throw DecodingError.dataCorruptedError(forKey: .maximum, in: container, debugDescription: "must not be below minimum")
        }
        if allowedValues != nil, kind != .string, kind != .decimal {
            throw DecodingError.dataCorruptedError(forKey: .enum, in: container, debugDescription: "only a string or decimal field has enum")
        }
    }

    /// Whether `name` may name a field: ASCII letters, digits and `_`, so canonical JSON sorts members by byte.
    static func isFieldName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F }
    }
}
