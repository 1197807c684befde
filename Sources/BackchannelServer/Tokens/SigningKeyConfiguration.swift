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
    /// `public_key_pem`: a retired key's public half (needs `kid`). A retired key never signs and is not
    /// published; it only verifies `id_token_hint`s signed before the rotation, when
    /// `policy.accept_id_token_hints_from_retired_keys` is on.
    public var publicKeyPem: String?
    /// `public_key_file`: a path to a retired key's public PEM.
    public var publicKeyFile: String?

    /// Whether this is a retired, verify-only key.
    public var isRetired: Bool { publicKeyPem != nil || publicKeyFile != nil }

    /// Creates a key configuration.
    public init(
        kid: String? = nil, algorithm: SigningAlgorithm = .es256, privateKeyPem: String? = nil, privateKeyFile: String? = nil,
        publicKeyPem: String? = nil, publicKeyFile: String? = nil
    ) {
        self.kid = kid
        self.algorithm = algorithm
        self.privateKeyPem = privateKeyPem
        self.privateKeyFile = privateKeyFile
        self.publicKeyPem = publicKeyPem
        self.publicKeyFile = publicKeyFile
    }

    private enum CodingKeys: String, CodingKey, CaseIterable { case kid, algorithm, privateKeyPem, privateKeyFile, publicKeyPem, publicKeyFile }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.kid = try container.decodeIfPresent(String.self, forKey: .kid)
        self.algorithm = try container.decodeIfPresent(SigningAlgorithm.self, forKey: .algorithm) ?? .es256
        self.privateKeyPem = try container.decodeIfPresent(String.self, forKey: .privateKeyPem)
        self.privateKeyFile = try container.decodeIfPresent(String.self, forKey: .privateKeyFile)
        self.publicKeyPem = try container.decodeIfPresent(String.self, forKey: .publicKeyPem)
        self.publicKeyFile = try container.decodeIfPresent(String.self, forKey: .publicKeyFile)
        if [privateKeyPem, privateKeyFile, publicKeyPem, publicKeyFile].compactMap({ $0 }).count != 1 {
            throw DecodingError.dataCorruptedError(
                forKey: .privateKeyPem, in: container,
                debugDescription: "give exactly one of private_key_pem, private_key_file, public_key_pem and public_key_file")
        }
        if isRetired, kid == nil {
            throw DecodingError.dataCorruptedError(forKey: .kid, in: container, debugDescription: "a retired key needs the kid its tokens carry")
        }
    }
}
