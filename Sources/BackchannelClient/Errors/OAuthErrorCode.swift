/// An OAuth `error` code, as the provider sent it (RFC 6749 §5.2, CIBA Core §11 and §13).
public enum OAuthErrorCode: Sendable, Hashable {
    /// The codes of RFC 6749 and CIBA Core, spelled in camelCase: `invalid_request` is `invalidRequest`.
    case invalidRequest, invalidClient, invalidGrant, unauthorizedClient, unsupportedGrantType, invalidScope
    case accessDenied, expiredToken, authorizationPending, slowDown, expiredLoginHintToken, unknownUserId
    case missingUserCode, invalidUserCode, invalidBindingMessage, serverError
    /// `transaction_failed`: a push client's authentication failed (CIBA Core §12).
    case transactionFailed
    /// A code this library does not know.
    case other(String)

    private static let known: [(String, OAuthErrorCode)] = [
        ("invalid_request", .invalidRequest), ("invalid_client", .invalidClient), ("invalid_grant", .invalidGrant),
        ("unauthorized_client", .unauthorizedClient), ("unsupported_grant_type", .unsupportedGrantType),
        ("invalid_scope", .invalidScope), ("access_denied", .accessDenied), ("expired_token", .expiredToken),
        ("authorization_pending", .authorizationPending), ("slow_down", .slowDown),
        ("expired_login_hint_token", .expiredLoginHintToken), ("unknown_user_id", .unknownUserId),
        ("missing_user_code", .missingUserCode), ("invalid_user_code", .invalidUserCode),
        ("invalid_binding_message", .invalidBindingMessage), ("server_error", .serverError),
        ("transaction_failed", .transactionFailed),
    ]

    /// Reads a code.
    public init(rawValue: String) {
        self = Self.known.first { $0.0 == rawValue }?.1 ?? .other(rawValue)
    }

    /// The code as sent.
    public var rawValue: String {
        if case .other(let value) = self { return value }
        // Synthesized Hashable equality compares cases, not raw values, so this cannot recurse.
        return Self.known.first { $0.1 == self }?.0 ?? ""
    }
}
