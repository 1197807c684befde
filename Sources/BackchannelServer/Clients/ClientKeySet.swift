import Foundation
import JWTKit

/// A client's registered public keys (`jwks`, RFC 7591 §2): what verifies its `private_key_jwt`
/// assertions. Compared by content, so that a reload sees whether they changed.
public struct ClientKeySet: Decodable, Sendable, Hashable {
    /// The keys as a JWK Set.
    public let jwks: JWKS
    /// The set in canonical JSON (sorted keys): its identity.
    private let canonical: Data

    /// Wraps a JWK Set.
    public init(_ jwks: JWKS) {
        self.jwks = jwks
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        self.canonical = (try? encoder.encode(jwks)) ?? Data()
    }

    public init(from decoder: any Decoder) throws {
        self.init(try JWKS(from: decoder))
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.canonical == rhs.canonical }
    public func hash(into hasher: inout Hasher) { hasher.combine(canonical) }
}
