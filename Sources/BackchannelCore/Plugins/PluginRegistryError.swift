/// Why the registry refused a registration or could not make an authenticator. Each case names the
/// plugin and the configuration field at fault, so a start-up failure points at the line to fix.
public enum PluginRegistryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A descriptor of the same kind is already registered under this name.
    case duplicateRegistryName(plugin: String)
    /// A back-channel descriptor is linked to a front-channel descriptor that is not registered.
    case unregisteredFrontChannel(plugin: String, frontChannel: String)
    /// The configuration names a plugin nobody registered.
    case unknownRegistryName(plugin: String)
    /// The plugin's configuration does not decode into its configuration type.
    case invalidConfiguration(plugin: String, field: String, reason: String)
    /// Two configured authenticators share one instance name.
    case duplicateInstanceName(plugin: String, name: String)
    /// The plugin was compiled against another major version of the plugin API.
    case incompatibleAPIVersion(plugin: String, built: String, host: String)

    /// The plugin at fault.
    public var plugin: String {
        switch self {
        case .duplicateRegistryName(let plugin), .unregisteredFrontChannel(let plugin, _),
            .unknownRegistryName(let plugin), .invalidConfiguration(let plugin, _, _),
            .duplicateInstanceName(let plugin, _), .incompatibleAPIVersion(let plugin, _, _):
            plugin
        }
    }

    /// The configuration field at fault, as spelled in the configuration file.
    public var field: String {
        switch self {
        case .duplicateRegistryName: "registry_name"
        case .unregisteredFrontChannel: "front_channel"
        case .unknownRegistryName: "plugin"
        case .invalidConfiguration(_, let field, _): field
        case .duplicateInstanceName: "name"
        case .incompatibleAPIVersion: "plugin"
        }
    }

    public var description: String {
        switch self {
        case .duplicateRegistryName(let plugin):
            "plugin '\(plugin)': registry_name is already registered"
        case .unregisteredFrontChannel(let plugin, let frontChannel):
            "plugin '\(plugin)': front_channel '\(frontChannel)' is not a registered front-channel plugin"
        case .unknownRegistryName(let plugin):
            "plugin '\(plugin)': plugin names no registered authenticator plugin"
        case .invalidConfiguration(let plugin, let field, let reason):
            "plugin '\(plugin)': \(field): \(reason)"
        case .duplicateInstanceName(let plugin, let name):
            "plugin '\(plugin)': name '\(name)' is already used by another authenticator"
        case .incompatibleAPIVersion(let plugin, let built, let host):
            "plugin '\(plugin)': built against plugin API \(built), but this server provides \(host); rebuild the plugin"
        }
    }
}
