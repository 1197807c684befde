/// Who the client wants authenticated: exactly one hint, as CIBA Core §7.1 requires.
public enum UserHint: Sendable, Hashable {
    /// `login_hint`: a username, e-mail address, phone number…
    case loginHint(String)
    /// `id_token_hint`: an ID token the provider issued to this client earlier.
    case idTokenHint(String)
    /// `login_hint_token`: a token carrying the hint, meaningful to the provider.
    case loginHintToken(String)

    var parameter: (String, String) {
        switch self {
        case .loginHint(let value): ("login_hint", value)
        case .idTokenHint(let value): ("id_token_hint", value)
        case .loginHintToken(let value): ("login_hint_token", value)
        }
    }
}
