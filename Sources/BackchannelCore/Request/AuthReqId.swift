/// The identity of one backchannel authentication request, as plugins see it.
///
/// The host derives this value from the `auth_req_id` it hands to the client, but it is not that
/// bearer value: a plugin can use it as a key, put it in a link or a database, and still never be able
/// to redeem the request at the token endpoint. It is opaque: compare and hash it, do not parse it.
///
/// Its `description` shows only a short prefix, so logging it never discloses the whole identifier.
public struct AuthReqId: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The opaque value itself. Prefer the value type; use this only to persist or transmit it.
    public let rawValue: String

    /// Wraps an opaque identifier.
    /// - Parameter rawValue: The identifier's text, as produced by the host.
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// A redacted form that is safe in logs: the first six characters and an ellipsis.
    public var description: String {
        "\(rawValue.prefix(6))…"
    }

    public init(from decoder: any Decoder) throws {
        self.rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
