/// One configured authenticator: a handler and, when its plugin has one, the paired interaction.
public struct AuthenticatorInstance: Sendable {
    /// The instance's name, unique in the host: it appears in `/authn/<name>/` and selects it by
    /// `acr_values`.
    public let name: String
    /// The registry name of the back-channel plugin it was made from.
    public let plugin: String
    /// The back-channel handler.
    public let handler: any BackchannelAuthenticationHandler
    /// The front-channel interaction, when the plugin is linked to one.
    public let interaction: (any FrontChannelInteraction)?

    /// Creates an instance (the registry does this; tests may too).
    public init(name: String, plugin: String, handler: any BackchannelAuthenticationHandler, interaction: (any FrontChannelInteraction)?) {
        self.name = name
        self.plugin = plugin
        self.handler = handler
        self.interaction = interaction
    }
}
