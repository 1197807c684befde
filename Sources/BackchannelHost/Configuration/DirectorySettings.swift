import BackchannelCore

/// One entry of `directory:` in the configuration file: where users are looked up.
///
/// `directory:` is one entry or a list of them, asked in order (the first that knows a login hint answers).
/// Two names are the host's own: `static`, the `users:` list of the file (the default, for demos and
/// tests; a reload replaces it), and `store`, the users kept in the server's store (`store.kind`), managed
/// through `/admin/users` and `backchanneld users import`. Any other name is a directory plugin registered
/// with the host (built in, or loaded from `plugins_dir`).
public struct DirectorySettings: Decodable, Sendable, Equatable {
    /// `plugin`: `static`, `store`, or the registry name of a directory plugin.
    public var plugin: String
    /// `subject_prefix`: what this directory's subjects start with in tokens and the audit trail; required
    /// when several directories are chained, so that a subject names one user (see `DirectoryChain`).
    public var subjectPrefix: String
    /// `configuration`: the directory plugin's own configuration.
    public var configuration: JSONValue
    /// `cache`: how long answers of a directory plugin are kept (``CacheSettings``); `static` and `store`
    /// are never cached (they are local, and a cache would hide an admin's change).
    public var cache: CacheSettings

    /// `cache:` of a directory: users found are kept `ttl_seconds` (60), misses `negative_ttl_seconds` (10),
    /// at most `max_entries` answers (10,000; 0 turns the cache off). A user removed from the directory may
    /// be found for up to `ttl_seconds` more, refreshes included.
    public struct CacheSettings: Decodable, Sendable, Equatable {
        /// How long a user found is kept.
        public var ttlSeconds: Int = 60
        /// How long a miss is kept.
        public var negativeTtlSeconds: Int = 10
        /// At most this many answers; 0 turns the cache off.
        public var maxEntries: Int = 10_000

        /// The defaults.
        public init() {}

        private enum CodingKeys: String, CodingKey, CaseIterable { case ttlSeconds, negativeTtlSeconds, maxEntries }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            ttlSeconds = try container.decodeIfPresent(Int.self, forKey: .ttlSeconds) ?? 60
            negativeTtlSeconds = try container.decodeIfPresent(Int.self, forKey: .negativeTtlSeconds) ?? 10
            maxEntries = try container.decodeIfPresent(Int.self, forKey: .maxEntries) ?? 10_000
            for (value, key) in [(ttlSeconds, CodingKeys.ttlSeconds), (negativeTtlSeconds, .negativeTtlSeconds), (maxEntries, .maxEntries)] where value < 0 {
                throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "must not be negative")
            }
            guard maxEntries <= 10_000_000 else {
                throw DecodingError.dataCorruptedError(forKey: .maxEntries, in: container, debugDescription: "must be at most 10000000")
            }
        }
    }

    /// The host's own directory of the configuration file's `users:`.
    public static let staticPlugin = "static"
    /// The host's own directory of the users kept in the server's store.
    public static let storePlugin = "store"

    /// Creates an entry.
    public init(plugin: String, subjectPrefix: String = "", configuration: JSONValue = .object([:]), cache: CacheSettings = CacheSettings()) {
        self.cache = cache
        self.plugin = plugin
        self.subjectPrefix = subjectPrefix
        self.configuration = configuration
    }

    private enum CodingKeys: String, CodingKey, CaseIterable { case plugin, subjectPrefix, configuration, cache }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        plugin = try container.decode(String.self, forKey: .plugin)
        subjectPrefix = try container.decodeIfPresent(String.self, forKey: .subjectPrefix) ?? ""
        configuration = try container.decodeIfPresent(JSONValue.self, forKey: .configuration) ?? .object([:])
        cache = try container.decodeIfPresent(CacheSettings.self, forKey: .cache) ?? CacheSettings()
        if subjectPrefix.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw DecodingError.dataCorruptedError(forKey: .subjectPrefix, in: container, debugDescription: "must not contain control characters")
        }
    }
}
