/// How a started request concluded.
///
/// A denial (the user said no) and a failure (the user could not be asked, or the authenticator broke)
/// are distinct: clients see `access_denied` for the first and may be told the second differently.
public enum BackchannelAuthenticationResult: Sendable, Hashable {
    /// The user approved and was authenticated.
    case approved(AuthenticationAttributes)
    /// The user refused.
    /// - Parameter reason: An optional explanation for the host's log; the client is told only
    ///   `access_denied` with a fixed description.
    case denied(reason: String? = nil)
    /// The authentication could not be completed: the message was not delivered, the device failed.
    /// - Parameter reason: An optional explanation for the host's log; the client is told only
    ///   `access_denied` with a fixed description.
    case failed(reason: String? = nil)
}
