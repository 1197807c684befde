extension OAuthError {
    /// The token endpoint's recurring answers, fixed texts, so an adapter can encode each once.
    public static let authorizationPending = OAuthError.authorizationPending("the user has not yet concluded the authentication")
    /// An unknown, redeemed or foreign `auth_req_id`.
    public static let invalidAuthReqId = OAuthError.invalidGrant("the auth_req_id is invalid")
    /// An expired request.
    public static let expired = OAuthError.expiredToken("the authentication request has expired")
    /// Failed client authentication.
    public static let clientAuthenticationFailed = OAuthError.invalidClient("client authentication failed")

    /// The answers worth encoding once: every poll of a pending request gets the first.
    public static let recurring: [OAuthError] = [authorizationPending, invalidAuthReqId, expired, clientAuthenticationFailed]
}
