/// The CIBA errors (Core §13) a handler may cause when asked to start; each maps to one OAuth error code.
public enum BackchannelStartAuthenticationError: String, Sendable, Hashable, CaseIterable {
    /// No user matches the hint (`unknown_user_id`), or the user cannot be reached by this authenticator.
    case unknownUserId = "unknown_user_id"
    /// The `login_hint_token` has expired (`expired_login_hint_token`).
    case expiredLoginHintToken = "expired_login_hint_token"
    /// A user code is required but the request has none (`missing_user_code`).
    case missingUserCode = "missing_user_code"
    /// The user code is wrong (`invalid_user_code`).
    case invalidUserCode = "invalid_user_code"
    /// The binding message cannot be shown to the user (`invalid_binding_message`).
    case invalidBindingMessage = "invalid_binding_message"
    /// Policy refuses the request outright, before the user is asked (`access_denied`).
    case accessDenied = "access_denied"

    /// The OAuth `error` code this case stands for.
    public var errorCode: String { rawValue }
}
