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

    /// The canonical JSON of `value` (see the type's description).
    public static func canonicalJSON(of value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // A JSONValue always encodes; the fallback is unreachable.
        guard let data = try? encoder.encode(value) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }
}
