/// Describes a back-channel authenticator plugin: how to make its handler, and which front-channel
/// descriptor it is linked to.
public struct BackChannelPluginDescriptor: Sendable {
    /// The name this descriptor is registered under, such as `"sms"`; configuration files name it.
    public let registryName: String
    /// The plugin API version the plugin was compiled against.
    public let apiVersion: PluginAPIVersion
    /// The registry name of the front-channel descriptor it is linked to, or `nil` when the user
    /// needs no page (a real push app, say).
    public let frontChannelName: String?
    let makeHandler: @Sendable (JSONValue, BackchannelHostServices) throws -> any BackchannelAuthenticationHandler

    /// Creates a descriptor.
    /// - Parameters:
    ///   - registryName: The name it is registered under.
    ///   - apiVersion: The plugin API version it was compiled against; leave the default.
    ///   - configuration: The type its configuration decodes into (snake_case keys in the file).
    ///   - frontChannelName: The registry name of the linked front-channel descriptor.
    ///   - makeHandler: Makes the handler from its decoded configuration and the host's services.
    public init<Configuration: Decodable & Sendable>(
        registryName: String,
        apiVersion: PluginAPIVersion = .current,
        configuration: Configuration.Type,
        frontChannelName: String?,
        makeHandler: @escaping @Sendable (Configuration, BackchannelHostServices) throws -> any BackchannelAuthenticationHandler
    ) {
        self.registryName = registryName
        self.apiVersion = apiVersion
        self.frontChannelName = frontChannelName
        self.makeHandler = { value, services in
            try makeHandler(try value.decode(as: Configuration.self), services)
        }
    }
}
