import BackchannelCore
/// How a client authenticates at the token and backchannel authentication endpoints (RFC 7591 §2).
public enum ClientAuthenticationMethod: String, Codable, Sendable, Hashable, ConfigurationEnum {
    /// HTTP Basic with the client id and secret (RFC 6749 §2.3.1).
    case clientSecretBasic = "client_secret_basic"
    /// `client_id` and `client_secret` in the form body (RFC 6749 §2.3.1).
    case clientSecretPost = "client_secret_post"
    /// A JWT the client signs with a key registered in its `jwks` (RFC 7523; OpenID Connect Core §9).
    case privateKeyJWT = "private_key_jwt"
    /// Mutual TLS with a certificate from a trusted certificate authority whose subject DN or a subject
    /// alternative name is the one the client registered (RFC 8705 §2.1).
    case tlsClientAuth = "tls_client_auth"
    /// Mutual TLS with a (typically self-signed) certificate whose public key is one the client registered
    /// in `jwks` (RFC 8705 §2.2).
    case selfSignedTLSClientAuth = "self_signed_tls_client_auth"

    /// Whether the method authenticates with a client certificate.
    public var isMutualTLS: Bool { self == .tlsClientAuth || self == .selfSignedTLSClientAuth }
}
