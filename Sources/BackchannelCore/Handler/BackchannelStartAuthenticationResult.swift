/// What a handler answers when asked to start authenticating a user.
public enum BackchannelStartAuthenticationResult: Sendable, Hashable {
    /// The user is being reached; the outcome will come later.
    case started
    /// The request fails at once with a CIBA error, before the user was asked.
    /// - Parameters:
    ///   - error: The error, one of those a handler may cause.
    ///   - description: An optional human-readable explanation, safe to show the client: it must not
    ///     disclose anything about the user the client could not already know.
    case failed(BackchannelStartAuthenticationError, description: String? = nil)
}
