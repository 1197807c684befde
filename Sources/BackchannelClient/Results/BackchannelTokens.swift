import BackchannelCore
import Foundation

/// The tokens of a concluded authentication, with the ID token's verified claims.
public struct BackchannelTokens: Sendable, Hashable {
    /// The token response as the provider sent it (`access_token`, `id_token`, `token_type`, …).
    public var response: [String: JSONValue]
    /// The ID token's claims, verified against the provider's JWKS (signature, `iss`, `aud`, `exp`,
    /// and `at_hash` when present).
    public var idTokenClaims: [String: JSONValue]

    /// The access token.
    public var accessToken: String { response["access_token"]?.stringValue ?? "" }
    /// The raw ID token; empty in a refresh's response, which has none.
    public var idToken: String { response["id_token"]?.stringValue ?? "" }
    /// The refresh token, when the provider issued one (`offline_access`).
    public var refreshToken: String? { response["refresh_token"]?.stringValue }
    /// The authenticated user's subject (`sub`).
    public var subject: String { idTokenClaims["sub"]?.stringValue ?? "" }
    /// The `authorization_details` the user approved (RFC 9396 §7), as the token response carries them; `nil` when
    /// the request had none.
    public var authorizationDetails: JSONValue? { response["authorization_details"] }

    /// The approved authorization details decoded as typed values (the types ``AuthenticationRequest/authorizationDetails(_:)``
    /// encoded); empty when there are none.
    /// - Throws: `DecodingError` when the entries do not decode as `Detail`.
    public func authorizationDetails<Detail: Decodable>(as type: Detail.Type) throws -> [Detail] {
        guard let authorizationDetails else { return [] }
        return try JSONDecoder().decode([Detail].self, from: JSONEncoder().encode(authorizationDetails))
    }
}
