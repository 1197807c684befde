/// Why a request to a resource of this server (the UserInfo endpoint) was refused (RFC 6750 §3.1): one
/// case per `error` code, each with its HTTP status, plus the request that carried no token at all.
public enum BearerTokenError: Error, Sendable, Hashable {
    /// No access token was presented: 401 with a bare `Bearer` challenge and no error code (§3.1).
    case missingToken
    /// `invalid_request` (400): the token was sent in more than one way, or malformed.
    case invalidRequest(String)
    /// `invalid_token` (401): the token is expired, not ours, not an access token, or for nobody we know.
    case invalidToken(String)
    /// `insufficient_scope` (403): the token's scopes do not reach this resource.
    case insufficientScope(String)
    /// `server_error` (500): the token may be fine, but what the answer needs (the user directory) cannot be
    /// reached; a client keeps its token and tries again.
    case serverError(String)

    /// The `error` code, or `nil` when no token was presented.
    public var code: String? {
        switch self {
        case .missingToken: nil
        case .invalidRequest: "invalid_request"
        case .invalidToken: "invalid_token"
        case .insufficientScope: "insufficient_scope"
        case .serverError: "server_error"
        }
    }

    /// The HTTP status code.
    public var httpStatus: Int {
        switch self {
        case .missingToken, .invalidToken: 401
        case .invalidRequest: 400
        case .insufficientScope: 403
        case .serverError: 500
        }
    }

    /// The `WWW-Authenticate` challenge (RFC 6750 §3). Descriptions are fixed texts: nothing a client
    /// sent is reflected.
    public var challenge: String {
        switch self {
        case .missingToken: #"Bearer realm="backchannel""#
        case .invalidRequest(let text), .invalidToken(let text), .insufficientScope(let text), .serverError(let text):
            #"Bearer realm="backchannel", error="\#(code ?? "")", error_description="\#(text)""#
        }
    }

    /// The JSON body, for clients that read one.
    public var body: OAuthErrorBody? {
        switch self {
        case .missingToken: nil
        case .invalidRequest(let text), .invalidToken(let text), .insufficientScope(let text), .serverError(let text): OAuthErrorBody(error: code ?? "", errorDescription: text)
        }
    }
}
