import BackchannelCore

/// `store:` in the configuration file: where the server keeps its state.
public struct StoreSettings: Decodable, Sendable {
    /// The kinds of store.
    public enum Kind: String, ConfigurationEnum, Sendable {
        /// One SQLite file in the data directory: the default.
        case sqlite
        /// A PostgreSQL database shared by several `backchanneld` processes.
        case postgres
        /// This process's memory: lost on exit, for tests and throw-away demos.
        case memory
    }

    /// `kind`: `sqlite` (the default when there is a data directory), `postgres` or `memory`.
    public var kind: Kind?
    /// `url`: for `postgres`, `postgres://user:password@host:port/database[?sslmode=require]`.
    public var url: String?
    /// `path`: for `sqlite`, the database file; defaults to `backchannel.sqlite` in the data directory.
    public var path: String?
    /// `connections`: for `postgres`, how many connections this process keeps open (default 20).
    public var connections: Int?
    /// `key_encryption_key_file`: a file holding 32 random bytes (base64 or hex) that seal the generated
    /// signing key in the store; `BACKCHANNEL_KEY_ENCRYPTION_KEY` gives the same in the environment.
    public var keyEncryptionKeyFile: String?
    /// `allow_unsealed_signing_key`: for `postgres` without a key-encryption key, keep the generated signing
    /// key in clear in the shared database (refused unless set: anyone with a copy of it could sign tokens).
    public var allowUnsealedSigningKey: Bool = false

    /// Creates store settings.
    public init(kind: Kind? = nil, url: String? = nil, path: String? = nil, connections: Int? = nil) {
        self.kind = kind
        self.url = url
        self.path = path
        self.connections = connections
    }

    private enum CodingKeys: String, CodingKey, CaseIterable { case kind, url, path, connections, keyEncryptionKeyFile, allowUnsealedSigningKey }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kind = try container.decodeIfPresent(Kind.self, forKey: .kind)
        url = try container.decodeIfPresent(String.self, forKey: .url)
        path = try container.decodeIfPresent(String.self, forKey: .path)
        connections = try container.decodeIfPresent(Int.self, forKey: .connections)
        keyEncryptionKeyFile = try container.decodeIfPresent(String.self, forKey: .keyEncryptionKeyFile)
        allowUnsealedSigningKey = try container.decodeIfPresent(Bool.self, forKey: .allowUnsealedSigningKey) ?? false
        if let connections, connections < 1 {
            throw DecodingError.dataCorruptedError(forKey: .connections, in: container, debugDescription: "must be at least 1")
        }
        if kind == .postgres, url == nil {
            throw DecodingError.keyNotFound(CodingKeys.url, .init(codingPath: decoder.codingPath, debugDescription: "required for postgres"))
        }
    }
}
