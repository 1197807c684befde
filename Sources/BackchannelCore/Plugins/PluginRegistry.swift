/// Maps registry names to plugin descriptors and makes configured authenticators from them.
///
/// A host registers every plugin it links at start-up, then makes each authenticator its configuration
/// lists. Every mistake (a duplicate name, a dangling front-channel link, an unknown plugin, a bad
/// configuration) fails there, naming the plugin and the field, never later on a request path.
public struct PluginRegistry: Sendable {
    private var frontChannels: [String: FrontChannelPluginDescriptor] = [:]
    private var backChannels: [String: BackChannelPluginDescriptor] = [:]
    private var directories: [String: DirectoryPluginDescriptor] = [:]

    /// Creates an empty registry.
    public init() {}

    /// The registry names of the back-channel plugins registered, sorted.
    public var backchannelPluginNames: [String] { backChannels.keys.sorted() }

    /// Registers a front-channel descriptor.
    /// - Throws: ``PluginRegistryError/duplicateRegistryName(plugin:)`` when the name is taken,
    ///   ``PluginRegistryError/incompatibleAPIVersion(plugin:built:host:)`` for another major version or a newer minor one.
    public mutating func register(_ descriptor: FrontChannelPluginDescriptor) throws(PluginRegistryError) {
        try Self.add(descriptor, named: descriptor.registryName, version: descriptor.apiVersion, to: &frontChannels)
    }

    /// Registers a back-channel descriptor. Its front-channel link is checked when an authenticator is
    /// made, so the two may be registered in either order.
    /// - Throws: ``PluginRegistryError/duplicateRegistryName(plugin:)`` when the name is taken.
    public mutating func register(_ descriptor: BackChannelPluginDescriptor) throws(PluginRegistryError) {
        try Self.add(descriptor, named: descriptor.registryName, version: descriptor.apiVersion, to: &backChannels)
    }

    /// The registry names of the directory plugins registered, sorted. Added in 1.2.
    public var directoryPluginNames: [String] { directories.keys.sorted() }

    /// Registers a directory descriptor. Added in 1.2.
    /// - Throws: ``PluginRegistryError/duplicateRegistryName(plugin:)`` when a directory is registered under
    ///   the name, ``PluginRegistryError/incompatibleAPIVersion(plugin:built:host:)`` as for authenticators.
    public mutating func register(_ descriptor: DirectoryPluginDescriptor) throws(PluginRegistryError) {
        try Self.add(descriptor, named: descriptor.registryName, version: descriptor.apiVersion, to: &directories)
    }

    /// Adds a descriptor of a kind to its table: refused for an API version the server cannot run, or a name
    /// the kind already has.
    private static func add<Descriptor>(
        _ descriptor: Descriptor, named name: String, version: PluginAPIVersion, to table: inout [String: Descriptor]
    ) throws(PluginRegistryError) {
        try checkVersion(version, plugin: name)
        guard table[name] == nil else { throw .duplicateRegistryName(plugin: name) }
        table[name] = descriptor
    }

    /// Makes one configured directory. Added in 1.2.
    /// - Parameters:
    ///   - plugin: The registry name of its directory plugin.
    ///   - configuration: Its configuration tree.
    ///   - services: The host services a directory uses.
    /// - Throws: ``PluginRegistryError`` naming the plugin and the field at fault.
    public func makeDirectory(
        plugin: String, configuration: JSONValue = .object([:]), services: DirectoryServices
    ) throws(PluginRegistryError) -> any UserDirectory {
        guard let descriptor = directories[plugin] else {
            throw .unknownDirectory(plugin: plugin, registered: directoryPluginNames)
        }
        do {
            return try descriptor.makeDirectory(configuration, services)
        } catch {
            throw Self.configurationError(plugin: plugin, section: "configuration", error)
        }
    }

    /// A plugin compiled against another major version of the API, or a newer minor one, cannot be used:
    /// refused by name.
    private static func checkVersion(_ version: PluginAPIVersion, plugin: String) throws(PluginRegistryError) {
        let host = PluginAPIVersion.current
        guard version.runs(on: host) else {
            throw .incompatibleAPIVersion(plugin: plugin, built: version.description, host: host.description)
        }
    }

    /// Checks that every registered back-channel descriptor links to a registered front-channel one.
    /// - Throws: ``PluginRegistryError/unregisteredFrontChannel(plugin:frontChannel:)`` for the first
    ///   dangling link, by plugin name.
    public func validateLinks() throws(PluginRegistryError) {
        for name in backchannelPluginNames {
            if let link = backChannels[name]?.frontChannelName, frontChannels[link] == nil {
                throw .unregisteredFrontChannel(plugin: name, frontChannel: link)
            }
        }
    }

    /// Makes one configured authenticator.
    /// - Parameters:
    ///   - plugin: The registry name of its back-channel plugin.
    ///   - name: The instance name; defaults to `plugin`.
    ///   - configuration: The back-channel configuration tree.
    ///   - frontChannelConfiguration: The linked front-channel's configuration tree.
    ///   - services: The host services; the front-channel interaction gets the same ones.
    /// - Throws: ``PluginRegistryError`` naming the plugin and the field at fault.
    public func makeAuthenticator(
        plugin: String,
        name: String? = nil,
        configuration: JSONValue = .object([:]),
        frontChannelConfiguration: JSONValue = .object([:]),
        services: BackchannelHostServices
    ) throws(PluginRegistryError) -> AuthenticatorInstance {
        guard let descriptor = backChannels[plugin] else {
            throw .unknownRegistryName(plugin: plugin, registered: backchannelPluginNames)
        }
        var frontChannel: FrontChannelPluginDescriptor?
        if let link = descriptor.frontChannelName {
            guard let linked = frontChannels[link] else {
                throw .unregisteredFrontChannel(plugin: plugin, frontChannel: link)
            }
            frontChannel = linked
        }
        let handler: any BackchannelAuthenticationHandler
        do {
            handler = try descriptor.makeHandler(configuration, services)
        } catch {
            throw Self.configurationError(plugin: plugin, section: "configuration", error)
        }
        var interaction: (any FrontChannelInteraction)?
        if let frontChannel {
            do {
                interaction = try frontChannel.makeInteraction(frontChannelConfiguration, handler, services)
            } catch {
                throw Self.configurationError(plugin: plugin, section: "front_channel", error)
            }
        }
        return AuthenticatorInstance(name: name ?? plugin, plugin: plugin, handler: handler, interaction: interaction)
    }

    private static func configurationError(plugin: String, section: String, _ error: any Error) -> PluginRegistryError {
        if let error = error as? ConfigurationError {
            let field = error.path.isEmpty ? section : "\(section).\(error.path)"
            return .invalidConfiguration(plugin: plugin, field: field, reason: error.reason)
        }
        return .invalidConfiguration(plugin: plugin, field: section, reason: "\(error)")
    }
}
