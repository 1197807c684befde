/// Why a client call failed. OAuth errors keep the provider's code, description and status.
public enum BackchannelClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The provider answered an OAuth error.
    case oauth(OAuthErrorCode, description: String?, status: Int)
    /// The request expired before the user concluded it (`expired_token`, or the client's own clock).
    case expired
    /// The provider could not be reached: refused, timed out, or its certificate not accepted, each a
    /// ``ConnectionFailure/Kind``.
    case connection(ConnectionFailure)
    /// A transport failure of another kind (the client's own, such as a notification endpoint it cannot serve).
    case transport(String)
    /// The provider's answer or its ID token failed verification.
    case invalidResponse(String)
    /// The task was cancelled while polling.
    case cancelled

    /// The user refused (`access_denied`).
    public var isDenied: Bool {
        if case .oauth(.accessDenied, _, _) = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .oauth(let code, let description, let status):
            "\(code.rawValue) (HTTP \(status))" + (description.map { ": \($0)" } ?? "")
        case .expired: "the authentication request expired"
        case .connection(let failure): failure.description
        case .transport(let reason): "transport failure: \(reason)"
        case .invalidResponse(let reason): "invalid response: \(reason)"
        case .cancelled: "cancelled"
        }
    }
}
