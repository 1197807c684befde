/// An OAuth error response (RFC 6749 §5.2, CIBA Core §11 and §13): one case per `error` code, each with
/// the HTTP status the specifications give it.
///
/// Descriptions are fixed texts or values the server itself produced; request input is never echoed,
/// so nothing a client sends is reflected back.
public enum OAuthError: Error, Sendable, Hashable {
    /// `invalid_request` (400): a parameter is missing, repeated, malformed, or not allowed.
    case invalidRequest(String)
    /// `invalid_client` (401): client authentication failed.
    case invalidClient(String)
    /// `invalid_grant` (400): the `auth_req_id` is unknown, foreign, or already redeemed.
    case invalidGrant(String)
    /// `unauthorized_client` (400): the client may not use this grant or delivery mode.
    case unauthorizedClient(String)
    /// `unsupported_grant_type` (400).
    case unsupportedGrantType(String)
    /// `invalid_scope` (400).
    case invalidScope(String)
    /// `unsupported_response_type` (400), at the authorization endpoint.
    case unsupportedResponseType(String)
    /// `access_denied`: 403 at the backchannel authentication endpoint (policy refused at once),
    /// 400 at the token endpoint (the user refused, or the authentication failed).
    case accessDenied(String, atTokenEndpoint: Bool)
    /// `expired_token` (400): the request expired before it was concluded or redeemed.
    case expiredToken(String)
    /// `authorization_pending` (400): the user has not concluded the request yet.
    case authorizationPending(String)
    /// `slow_down` (400): polled faster than the interval; the interval grew by 5 seconds.
    case slowDown(String)
    /// `expired_login_hint_token` (400).
    case expiredLoginHintToken(String)
    /// `unknown_user_id` (400).
    case unknownUserId(String)
    /// `missing_user_code` (400).
    case missingUserCode(String)
    /// `invalid_user_code` (400).
    case invalidUserCode(String)
    /// `invalid_binding_message` (400).
    case invalidBindingMessage(String)
    /// `invalid_authorization_details` (400, RFC 9396 §5): malformed, of an unknown type, of a type the client
    /// may not request, or outside its type's schema.
    case invalidAuthorizationDetails(String)
    /// `server_error` (500): the server failed; details are logged, never sent.
    case serverError(String)

    /// The `error` code.
    public var code: String {
        switch self {
        case .invalidRequest: "invalid_request"
        case .invalidClient: "invalid_client"
        case .invalidGrant: "invalid_grant"
        case .unauthorizedClient: "unauthorized_client"
        case .unsupportedGrantType: "unsupported_grant_type"
        case .invalidScope: "invalid_scope"
        case .unsupportedResponseType: "unsupported_response_type"
        case .accessDenied: "access_denied"
        case .expiredToken: "expired_token"
        case .authorizationPending: "authorization_pending"
        case .slowDown: "slow_down"
        case .expiredLoginHintToken: "expired_login_hint_token"
        case .unknownUserId: "unknown_user_id"
        case .missingUserCode: "missing_user_code"
        case .invalidUserCode: "invalid_user_code"
        case .invalidBindingMessage: "invalid_binding_message"
        case .invalidAuthorizationDetails: "invalid_authorization_details"
        case .serverError: "server_error"
        }
    }

    /// The `error_description`.
    public var errorDescription: String {
        switch self {
        case .invalidRequest(let text), .invalidClient(let text), .invalidGrant(let text),
            .unauthorizedClient(let text), .unsupportedGrantType(let text), .invalidScope(let text), .unsupportedResponseType(let text),
            .accessDenied(let text, _), .expiredToken(let text), .authorizationPending(let text),
            .slowDown(let text), .expiredLoginHintToken(let text), .unknownUserId(let text),
            .missingUserCode(let text), .invalidUserCode(let text), .invalidBindingMessage(let text),
            .invalidAuthorizationDetails(let text), .serverError(let text):
            text
        }
    }

    /// The HTTP status code.
    public var httpStatus: Int {
        switch self {
        case .invalidClient: 401
        case .accessDenied(_, let atTokenEndpoint): atTokenEndpoint ? 400 : 403
        case .serverError: 500
        default: 400
        }
    }

    /// The `WWW-Authenticate` challenge this error requires, if any. A 401 always carries one (RFC 9110
    /// §15.5.2), and Basic is the scheme RFC 6749 §2.3.1 gives confidential clients.
    public var challenge: String? {
        guard case .invalidClient = self else { return nil }
        return "Basic realm=\"backchannel\""
    }

    /// The JSON body (RFC 6749 §5.2).
    public var body: OAuthErrorBody {
        OAuthErrorBody(error: code, errorDescription: errorDescription)
    }
}
