/// How the client authenticates to the provider (RFC 6749 §2.3.1).
public enum ClientCredentials: Sendable, Hashable {
    /// `client_secret_basic`: HTTP Basic with the form-encoded id and secret.
    case clientSecretBasic(secret: String)
    /// `client_secret_post`: `client_id` and `client_secret` in the form body.
    case clientSecretPost(secret: String)
}
