import BackchannelCore

/// The tokens of a concluded authentication, with the ID token's verified claims.
public struct BackchannelTokens: Sendable, Hashable {
    /// The token response as the provider sent it (`access_token`, `id_token`, `token_type`, …).
    public var response: [String: JSONValue]
    /// The ID token's claims, verified against the provider's JWKS (signature, `iss`, `aud`, `exp`,
    /// and `at_hash` when present).
    public var idTokenClaims: [String: JSONValue]

    /// The access token.
    public var accessToken: String { response["access_token"]?.stringValue ?? "" }
    /// The raw ID token.
    public var idToken: String { response["id_token"]?.stringValue ?? "" }
    /// The authenticated user's subject (`sub`).
    public var subject: String { idTokenClaims["sub"]?.stringValue ?? "" }
}
