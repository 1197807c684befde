/// How the client authenticates to the provider (RFC 6749 §2.3.1, RFC 7523).
public enum ClientCredentials: Sendable, Hashable {
    /// `client_secret_basic`: HTTP Basic with the form-encoded id and secret.
    case clientSecretBasic(secret: String)
    /// `client_secret_post`: `client_id` and `client_secret` in the form body.
    case clientSecretPost(secret: String)
    /// `private_key_jwt`: a short-lived assertion signed with the client's private key, whose public half
    /// the provider has under the same `kid` (in the client's `jwks` or at its `jwks_uri`).
    case privateKeyJWT(ClientAssertionKey)
    /// `tls_client_auth` or `self_signed_tls_client_auth` (RFC 8705 §2): only `client_id` in the form; the
    /// certificate of the TLS connection (the client's ``ClientTLSIdentity``) authenticates it.
    case mutualTLS
}
