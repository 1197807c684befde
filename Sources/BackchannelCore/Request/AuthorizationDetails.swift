internal import Crypto
import Foundation

/// A request's `authorization_details` (RFC 9396): what the user approves, entry by entry, and the one
/// canonical text of it that the tokens carry and a device's signature can cover.
///
/// The canonical JSON is the array of entries with every object's members sorted by name (the server's
/// schemas allow only ASCII names), no insignificant whitespace, strings as UTF-8 with only `"` and `\`
/// escaped (the server refuses control characters in values), and whole numbers in decimal (the server
/// accepts no others: amounts are decimal strings). Added in 1.3.
public struct AuthorizationDetails: Sendable, Hashable, Codable {
    /// The entries, in the order the client sent them.
    public var entries: [AuthorizationDetail]
    /// The entries as canonical JSON; empty when there are none.
    public let canonicalJSON: String

    /// No authorization details: the request asks for what its scopes say, nothing more.
    public static let none = AuthorizationDetails(entries: [], canonicalJSON: "")

    /// The details of `entries`, with their canonical JSON.
    public init(_ entries: [AuthorizationDetail]) {
        self.init(entries: entries, canonicalJSON: entries.isEmpty ? "" : Self.canonicalJSON(of: .array(entries.map { .object($0.fields) })))
    }

    private init(entries: [AuthorizationDetail], canonicalJSON: String) {
        self.entries = entries
        self.canonicalJSON = canonicalJSON
    }

    /// Decodes the entries ``encode(to:)`` wrote, and derives the canonical JSON again.
    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode([AuthorizationDetail].self))
    }

    /// Encodes the entries, in order (a plugin keeps them with its record of the request).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(entries)
    }

    /// Whether the request carries no authorization details.
    public var isEmpty: Bool { entries.isEmpty }

    /// The base64url SHA-256 of ``canonicalJSON`` (empty when there are no details): what a device signs to
    /// say which details it showed.
    public var digest: String {
        isEmpty ? "" : Base64URL.encode(SHA256.hash(data: Data(canonicalJSON.utf8)))
    }

    /// The canonical JSON of `value` (see the type's description): written here, byte for byte, rather than by
    /// a general encoder whose spacing, escaping or key order could change with a Foundation release, since
    /// signatures cover these bytes.
    public static func canonicalJSON(of value: JSONValue) -> String {
        var text = ""
        write(value, into: &text)
        return text
    }

    private static func write(_ value: JSONValue, into text: inout String) {
        switch value {
        case .null: text += "null"
        case .bool(let flag): text += flag ? "true" : "false"
        case .integer(let number): text += String(number)
        // Never in validated details (amounts are decimal strings); JSON has no NaN or infinity.
        case .number(let number): text += number.isFinite ? String(number) : "null"
        case .string(let string): write(string, into: &text)
        case .array(let items):
            text += "["
            for (index, item) in items.enumerated() {
                if index > 0 { text += "," }
                write(item, into: &text)
            }
            text += "]"
        case .object(let members):
            text += "{"
            // By UTF-8 bytes, which for the ASCII names schemas allow is also RFC 8785's UTF-16 order.
            for (index, member) in members.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }).enumerated() {
                if index > 0 { text += "," }
                write(member.key, into: &text)
                text += ":"
                write(member.value, into: &text)
            }
            text += "}"
        }
    }

    /// A JSON string: `"` and `\` escaped, control characters as `\uXXXX` (the server refuses them in details).
    private static func write(_ string: String, into text: inout String) {
        text += "\""
        // Most strings need no escape: appended whole, not scalar by scalar.
        guard string.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
            text += string
            text += "\""
            return
        }
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\u{00}"..."\u{1F}":
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}
