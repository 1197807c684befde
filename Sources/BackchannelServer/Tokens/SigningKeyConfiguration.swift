/// A signing key as configured (`keys:` in the configuration file). The first key signs; the others
/// stay in the JWKS so tokens they signed still verify during a rotation.
public struct SigningKeyConfiguration: Decodable, Sendable, Hashable {
    /// `kid`; defaults to the key's RFC 7638 thumbprint.
    public var kid: String?
    /// `algorithm`: `ES256` (default) or `RS256`.
    public var algorithm: SigningAlgorithm
    /// `private_key_pem`: the PEM text itself.
    public var privateKeyPem: String?
    /// `private_key_file`: a path to a PEM file.
    public var privateKeyFile: String?

    /// Creates a key configuration.
    public init(kid: String? = nil, algorithm: SigningAlgorithm = .es256, privateKeyPem: String? = nil, privateKeyFile: String? = nil) {
        self.kid = kid
        self.algorithm = algorithm
        self.privateKeyPem = privateKeyPem
        self.privateKeyFile = privateKeyFile
    }

    private enum CodingKeys: String, CodingKey, CaseIterable { case kid, algorithm, privateKeyPem, privateKeyFile }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.kid = try container.decodeIfPresent(String.self, forKey: .kid)
        self.algorithm = try container.decodeIfPresent(SigningAlgorithm.self, forKey: .algorithm) ?? .es256
        self.privateKeyPem = try container.decodeIfPresent(String.self, forKey: .privateKeyPem)
        self.privateKeyFile = try container.decodeIfPresent(String.self, forKey: .privateKeyFile)
        if (privateKeyPem == nil) == (privateKeyFile == nil) {
            throw DecodingError.dataCorruptedError(forKey: .privateKeyPem, in: container, debugDescription: "give exactly one of private_key_pem and private_key_file")
        }
    }
}
