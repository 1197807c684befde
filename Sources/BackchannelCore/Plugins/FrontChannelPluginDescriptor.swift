/// Describes a front-channel authenticator plugin: the user-facing interaction it contributes.
///
/// A back-channel descriptor names one of these through
/// ``BackChannelPluginDescriptor/frontChannelName``; the registry makes the interaction
/// with the back-channel handler it is paired with, so both halves share the handler's state.
public struct FrontChannelPluginDescriptor: Sendable {
    /// The name this descriptor is registered under, such as `"mock-push"`.
    public let registryName: String
    /// The plugin API version the plugin was compiled against.
    public let apiVersion: PluginAPIVersion
    let makeInteraction: @Sendable (JSONValue, any BackchannelAuthenticationHandler, BackchannelHostServices) throws -> any FrontChannelInteraction

    /// Creates a descriptor.
    /// - Parameters:
    ///   - registryName: The name it is registered under.
    ///   - apiVersion: The plugin API version it was compiled against; leave the default.
    ///   - configuration: The type its configuration decodes into (snake_case keys in the file).
    ///   - handler: The back-channel handler type it pairs with.
    ///   - makeInteraction: Makes the interaction from its configuration, the paired handler and the
    ///     host's services.
    public init<Configuration: Decodable & Sendable, Handler: BackchannelAuthenticationHandler>(
        registryName: String,
        apiVersion: PluginAPIVersion = .current,
        configuration: Configuration.Type,
        handler: Handler.Type,
        makeInteraction: @escaping @Sendable (Configuration, Handler, BackchannelHostServices) throws -> any FrontChannelInteraction
    ) {
        self.registryName = registryName
        self.apiVersion = apiVersion
        self.makeInteraction = { value, anyHandler, services in
            let configuration = try value.decode(as: Configuration.self)
            guard let handler = anyHandler as? Handler else {
                throw ConfigurationError(path: "plugin", reason: "is paired with a handler of type \(type(of: anyHandler)), not \(Handler.self)")
            }
            return try makeInteraction(configuration, handler, services)
        }
    }
}
