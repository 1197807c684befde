import BackchannelCore
import BackchannelServer

/// The whole configuration file of `backchanneld`, in YAML or JSON with snake_case keys.
public struct BackchanneldConfiguration: Decodable, Sendable {
    /// `server:`.
    public var server: ServerSettings
    /// `store:`.
    public var store: StoreSettings
    /// `policy:`.
    public var policy: ServerPolicy
    /// `clients:`.
    public var clients: [ClientConfiguration]
    /// `authenticators:`.
    public var authenticators: [AuthenticatorSettings]
    /// `users:`: the users of the `static` directory.
    public var users: [DirectoryUser]
    /// `directory:`: where users are looked up, in order; the `static` directory of ``users`` when absent.
    public var directory: [DirectorySettings] = [DirectorySettings(plugin: DirectorySettings.staticPlugin)]
    /// `keys:`: signing keys; when empty, one is generated in the data directory.
    public var keys: [SigningKeyConfiguration]
    /// `audit:`: how the audit trail shows subjects.
    public var audit: AuditSettings
    /// `plugins_dir:`: a directory of binary authenticator plugins (shared libraries) the stock
    /// `backchanneld` loads at start-up; see ``PluginLibraryLoader``.
    public var pluginsDir: String?
    /// `observability:`: distributed tracing (off by default).
    public var observability = ObservabilitySettings()
    /// The tree the file held, when it was read from one: a reload compares it section by section.
    var source: JSONValue?

    /// Creates a configuration.
    public init(
        server: ServerSettings = ServerSettings(),
        store: StoreSettings = StoreSettings(),
        policy: ServerPolicy = ServerPolicy(),
        clients: [ClientConfiguration],
        authenticators: [AuthenticatorSettings],
        users: [DirectoryUser],
        keys: [SigningKeyConfiguration] = [],
        audit: AuditSettings = AuditSettings()
    ) {
        self.server = server
        self.store = store
        self.policy = policy
        self.clients = clients
        self.authenticators = authenticators
        self.users = users
        self.keys = keys
        self.audit = audit
    }

    private enum CodingKeys: String, CodingKey, CaseIterable { case server, store, policy, clients, authenticators, users, directory, keys, audit, pluginsDir, observability }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        server = try container.decodeIfPresent(ServerSettings.self, forKey: .server) ?? ServerSettings()
        store = try container.decodeIfPresent(StoreSettings.self, forKey: .store) ?? StoreSettings()
        policy = try container.decodeIfPresent(ServerPolicy.self, forKey: .policy) ?? ServerPolicy()
        clients = try container.decodeIfPresent([ClientConfiguration].self, forKey: .clients) ?? []
        authenticators = try container.decodeIfPresent([AuthenticatorSettings].self, forKey: .authenticators) ?? []
        users = try container.decodeIfPresent([DirectoryUser].self, forKey: .users) ?? []
        // One entry, or a list of them.
        switch try container.decodeIfPresent(JSONValue.self, forKey: .directory) {
        case nil: break
        case .array(let entries)?:
            guard !entries.isEmpty else {
                throw DecodingError.dataCorruptedError(forKey: .directory, in: container, debugDescription: "must name at least one directory")
            }
            directory = try container.decode([DirectorySettings].self, forKey: .directory)
        case _?:
            directory = [try container.decode(DirectorySettings.self, forKey: .directory)]
        }
        keys = try container.decodeIfPresent([SigningKeyConfiguration].self, forKey: .keys) ?? []
        audit = try container.decodeIfPresent(AuditSettings.self, forKey: .audit) ?? AuditSettings()
        pluginsDir = try container.decodeIfPresent(String.self, forKey: .pluginsDir)
        observability = try container.decodeIfPresent(ObservabilitySettings.self, forKey: .observability) ?? ObservabilitySettings()
    }
}
