import BackchannelCore

/// One entry of `authenticators:` in the configuration file.
public struct AuthenticatorSettings: Decodable, Sendable {
    /// `plugin`: the registry name of the back-channel plugin, such as `mock-push`.
    public var plugin: String
    /// `name`: the instance name, in `/authn/<name>/`; defaults to the plugin name.
    public var name: String?
    /// `acr`: the `acr` value that selects it; defaults to the name.
    public var acr: String?
    /// `configuration`: the plugin's own configuration.
    public var configuration: JSONValue
    /// `front_channel`: the linked front-channel plugin's configuration.
    public var frontChannel: JSONValue

    /// Creates an authenticator entry.
    public init(plugin: String, name: String? = nil, acr: String? = nil, configuration: JSONValue = .object([:]), frontChannel: JSONValue = .object([:])) {
        self.plugin = plugin
        self.name = name
        self.acr = acr
        self.configuration = configuration
        self.frontChannel = frontChannel
    }

    private enum CodingKeys: String, CodingKey, CaseIterable { case plugin, name, acr, configuration, frontChannel }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        plugin = try container.decode(String.self, forKey: .plugin)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        acr = try container.decodeIfPresent(String.self, forKey: .acr)
        configuration = try container.decodeIfPresent(JSONValue.self, forKey: .configuration) ?? .object([:])
        frontChannel = try container.decodeIfPresent(JSONValue.self, forKey: .frontChannel) ?? .object([:])
        if let name, name.isEmpty || !name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) {
            throw DecodingError.dataCorruptedError(forKey: .name, in: container, debugDescription: "must be letters, digits, - and _ only (it is a URL path segment)")
        }
    }
}
