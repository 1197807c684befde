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

    /// The host's own directory of the configuration file's `users:`.
    public static let staticPlugin = "static"
    /// The host's own directory of the users kept in the server's store.
    public static let storePlugin = "store"

    /// Creates an entry.
    public init(plugin: String, subjectPrefix: String = "", configuration: JSONValue = .object([:])) {
        self.plugin = plugin
        self.subjectPrefix = subjectPrefix
        self.configuration = configuration
    }

    private enum CodingKeys: String, CodingKey, CaseIterable { case plugin, subjectPrefix, configuration }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        plugin = try container.decode(String.self, forKey: .plugin)
        subjectPrefix = try container.decodeIfPresent(String.self, forKey: .subjectPrefix) ?? ""
        configuration = try container.decodeIfPresent(JSONValue.self, forKey: .configuration) ?? .object([:])
        if subjectPrefix.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw DecodingError.dataCorruptedError(forKey: .subjectPrefix, in: container, debugDescription: "must not contain control characters")
        }
    }
}
