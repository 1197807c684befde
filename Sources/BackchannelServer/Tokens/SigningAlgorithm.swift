import BackchannelCore
/// The JWS algorithms the server signs its tokens with.
public enum SigningAlgorithm: String, Codable, Sendable, Hashable, ConfigurationEnum {
    /// ECDSA on P-256 with SHA-256: the default.
    case es256 = "ES256"
    /// RSASSA-PKCS1-v1_5 with SHA-256, for relying parties that cannot verify ECDSA.
    case rs256 = "RS256"
    /// RSASSA-PSS with SHA-256 over a 2048-bit or longer RSA key: with ES256, what FAPI allows.
    case ps256 = "PS256"
}
