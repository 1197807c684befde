import BackchannelCore

/// A successful token response (RFC 6749 §5.1, OpenID Connect Core §3.1.3.3).
public struct TokenResponse: Codable, Sendable, Hashable {
    /// `access_token`: a JWT (RFC 9068).
    public var accessToken: String
    /// `token_type`: always `Bearer`.
    public var tokenType: String
    /// `expires_in`: the access token's lifetime in seconds.
    public var expiresIn: Int
    /// `id_token`: at the end of an authentication; none when a refresh token is used.
    public var idToken: String?
    /// `scope`: the granted scopes.
    public var scope: String
    /// `refresh_token`: when the client may use one and asked for `offline_access`.
    public var refreshToken: String?
    /// `authorization_details` (RFC 9396 §7): what the user approved, as the access token carries it.
    public var authorizationDetails: JSONValue?

    /// Creates a token response.
    public init(
        accessToken: String, tokenType: String, expiresIn: Int, idToken: String?, scope: String, refreshToken: String? = nil,
        authorizationDetails: JSONValue? = nil
    ) {
        self.accessToken = accessToken
        self.tokenType = tokenType
        self.expiresIn = expiresIn
        self.idToken = idToken
        self.scope = scope
        self.refreshToken = refreshToken
        self.authorizationDetails = authorizationDetails
    }

    private enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case tokenType = "token_type"
        case expiresIn = "expires_in"
        case idToken = "id_token"
        case scope
        case refreshToken = "refresh_token"
        case authorizationDetails = "authorization_details"
    }
}
