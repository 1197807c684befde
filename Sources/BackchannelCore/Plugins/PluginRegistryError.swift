/// Why the registry refused a registration or could not make an authenticator. Each names the plugin
/// and the configuration field at fault, so a start-up failure points at the line to fix.
///
/// A struct with an extensible ``Code`` (as jwt-kit's `JWTError`): new kinds can be added without
/// breaking plugins and hosts that look at the ones they know.
public struct PluginRegistryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The code's name.
        public let name: String
        /// A descriptor of the same kind is already registered under this name.
        public static let duplicateRegistryName = Code(name: "duplicate_registry_name")
        /// A back-channel descriptor is linked to a front-channel descriptor that is not registered.
        public static let unregisteredFrontChannel = Code(name: "unregistered_front_channel")
        /// The configuration names a plugin nobody registered.
        public static let unknownRegistryName = Code(name: "unknown_registry_name")
        /// The plugin's configuration does not decode into its configuration type.
        public static let invalidConfiguration = Code(name: "invalid_configuration")
        /// The plugin was compiled against another major version of the plugin API, or a newer minor one.
        public static let incompatibleAPIVersion = Code(name: "incompatible_api_version")

        public var description: String { name }
    }

    /// The kind.
    public let code: Code
    /// The plugin at fault.
    public let plugin: String
    /// The configuration field at fault, as spelled in the configuration file.
    public let field: String
    /// What is wrong, in a sentence that names the plugin.
    public let description: String

    /// Creates an error.
    public init(code: Code, plugin: String, field: String, description: String) {
        self.code = code
        self.plugin = plugin
        self.field = field
        self.description = description
    }

    /// A descriptor of the same kind is already registered under this name.
    public static func duplicateRegistryName(plugin: String) -> Self {
        Self(code: .duplicateRegistryName, plugin: plugin, field: "registry_name", description: "plugin '\(plugin)': registry_name is already registered")
    }

    /// A back-channel descriptor is linked to a front-channel descriptor that is not registered.
    public static func unregisteredFrontChannel(plugin: String, frontChannel: String) -> Self {
        Self(
            code: .unregisteredFrontChannel, plugin: plugin, field: "front_channel",
            description: "plugin '\(plugin)': front_channel '\(frontChannel)' is not a registered front-channel plugin")
    }

    /// The configuration names a plugin nobody registered.
    /// - Parameters:
    ///   - plugin: The name the configuration gave.
    ///   - registered: The names that are registered, to list in the message.
    public static func unknownRegistryName(plugin: String, registered: [String] = []) -> Self {
        let known = registered.isEmpty ? "" : " (registered: \(registered.sorted().joined(separator: ", ")))"
        return Self(
            code: .unknownRegistryName, plugin: plugin, field: "plugin",
            description: "no authenticator plugin is registered as '\(plugin)'\(known)")
    }

    /// The configuration names a directory plugin nobody registered (code ``Code/unknownRegistryName``).
    /// Added in 1.2.
    /// - Parameters:
    ///   - plugin: The name the configuration gave.
    ///   - registered: The directory plugins that are registered, to list in the message.
    public static func unknownDirectory(plugin: String, registered: [String] = []) -> Self {
        let known = registered.isEmpty ? "" : " (registered: \(registered.sorted().joined(separator: ", ")))"
        return Self(
            code: .unknownRegistryName, plugin: plugin, field: "directory.plugin",
            description: "no directory plugin is registered as '\(plugin)'\(known)")
    }

    /// The plugin's configuration does not decode into its configuration type.
    public static func invalidConfiguration(plugin: String, field: String, reason: String) -> Self {
        Self(code: .invalidConfiguration, plugin: plugin, field: field, description: "plugin '\(plugin)': \(field): \(reason)")
    }

    /// The plugin was compiled against another major version of the plugin API, or a newer minor one.
    public static func incompatibleAPIVersion(plugin: String, built: String, host: String) -> Self {
        Self(
            code: .incompatibleAPIVersion, plugin: plugin, field: "plugin",
            description: "plugin '\(plugin)': built against plugin API \(built), but this server provides \(host); rebuild the plugin")
    }
}
