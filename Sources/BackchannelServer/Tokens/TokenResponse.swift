/// A successful token response (RFC 6749 §5.1, OpenID Connect Core §3.1.3.3).
public struct TokenResponse: Codable, Sendable, Hashable {
    /// `access_token`: a JWT (RFC 9068).
    public var accessToken: String
    /// `token_type`: always `Bearer`.
    public var tokenType: String
    /// `expires_in`: the access token's lifetime in seconds.
    public var expiresIn: Int
    /// `id_token`.
    public var idToken: String
    /// `scope`: the granted scopes.
    public var scope: String

    private enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case tokenType = "token_type"
        case expiresIn = "expires_in"
        case idToken = "id_token"
        case scope
    }
}
