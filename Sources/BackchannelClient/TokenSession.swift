import BackchannelCore

/// A user's tokens kept current: each refresh replaces the refresh token with the rotated one, so the spent one
/// is never presented again (which would make the provider revoke the whole grant as a reuse, RFC 9700 §4.14.2).
public actor TokenSession {
    /// The client the tokens belong to.
    public let client: BackchannelClient
    /// The newest tokens: the authentication's, then each refresh's (with the newest refresh token).
    public private(set) var tokens: BackchannelTokens
    /// The newest refresh token, or `nil` once the provider refused it.
    public private(set) var refreshToken: String?

    /// A session over an authentication's tokens.
    public init(client: BackchannelClient, tokens: BackchannelTokens) {
        self.client = client
        self.tokens = tokens
        self.refreshToken = tokens.refreshToken
    }

    /// Refreshes with the newest refresh token and keeps the new one.
    /// - Throws: `invalid_grant` when the provider refused the refresh token (spent elsewhere, revoked, expired,
    ///   or the grant was revoked because a spent one was reused): the session then holds none and the user must
    ///   authenticate again.
    @discardableResult
    public func refresh(scopes: [String]? = nil, authorizationDetails: JSONValue? = nil) async throws(BackchannelClientError) -> BackchannelTokens {
        guard let refreshToken else { throw .invalidResponse("the session has no refresh token (none was issued, or it was refused)") }
        do {
            let next = try await client.refresh(refreshToken, scopes: scopes, authorizationDetails: authorizationDetails)
            self.refreshToken = next.refreshToken ?? refreshToken
            tokens = next
            return next
        } catch {
            if case .oauth(.invalidGrant, _, _) = error { self.refreshToken = nil }
            throw error
        }
    }
}
