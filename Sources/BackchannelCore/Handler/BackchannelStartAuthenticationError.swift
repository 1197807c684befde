/// The CIBA errors (Core §13) a handler may cause when asked to start; each maps to one OAuth error code.
///
/// A struct of named values rather than an enumeration, so a minor version can add one (1.3 added
/// ``invalidAuthorizationDetails``) without breaking a plugin that switches over the ones it knows.
public struct BackchannelStartAuthenticationError: Sendable, Hashable, CustomStringConvertible {
    /// The OAuth `error` code this value stands for.
    public let errorCode: String

    private init(_ errorCode: String) {
        self.errorCode = errorCode
    }

    /// No user matches the hint (`unknown_user_id`), or the user cannot be reached by this authenticator.
    public static let unknownUserId = Self("unknown_user_id")
    /// The `login_hint_token` has expired (`expired_login_hint_token`).
    public static let expiredLoginHintToken = Self("expired_login_hint_token")
    /// A user code is required but the request has none (`missing_user_code`).
    public static let missingUserCode = Self("missing_user_code")
    /// The user code is wrong (`invalid_user_code`).
    public static let invalidUserCode = Self("invalid_user_code")
    /// The binding message cannot be shown to the user (`invalid_binding_message`).
    public static let invalidBindingMessage = Self("invalid_binding_message")
    /// Policy refuses the request outright, before the user is asked (`access_denied`).
    public static let accessDenied = Self("access_denied")

    /// The authorization details cannot be shown to this user or acted on by this authenticator
    /// (`invalid_authorization_details`, RFC 9396 §5). Added in 1.3.
    public static let invalidAuthorizationDetails = Self("invalid_authorization_details")

    /// Every error of this version of the API.
    public static let all: [Self] = [
        .unknownUserId, .expiredLoginHintToken, .missingUserCode, .invalidUserCode, .invalidBindingMessage, .accessDenied,
        .invalidAuthorizationDetails,
    ]

    public var description: String { errorCode }
}
