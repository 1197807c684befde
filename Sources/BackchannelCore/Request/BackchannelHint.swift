/// How the client identified the end-user it wants authenticated (CIBA Core §7.1).
///
/// A request carries exactly one hint; the host has already rejected requests with none or several.
public enum BackchannelHint: Sendable, Hashable {
    /// A `login_hint`: an identifier of the user, such as a username, e-mail address or phone number.
    case loginHint(String)
    /// An `id_token_hint` the host has already validated: it signed the token itself, for this client.
    /// - Parameters:
    ///   - subject: The token's `sub` claim.
    ///   - claims: Every claim of the token, for handlers that need more than the subject.
    case idTokenHint(subject: String, claims: [String: JSONValue])
    /// A `login_hint_token`: opaque to the host and passed through unvalidated; a handler that accepts it
    /// must validate it itself (and answer `expired_login_hint_token` where that applies).
    case loginHintToken(String)

    /// The user the hint names directly: the login hint or the ID token's subject; `nil` for a
    /// `login_hint_token`, whose meaning only a handler that understands it can tell.
    public var subject: String? {
        switch self {
        case .loginHint(let hint): hint
        case .idTokenHint(let subject, _): subject
        case .loginHintToken: nil
        }
    }
}
