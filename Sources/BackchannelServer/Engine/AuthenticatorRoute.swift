import BackchannelCore

/// A configured authenticator as the engine routes requests to it.
public struct AuthenticatorRoute: Sendable {
    /// The authenticator.
    public let instance: AuthenticatorInstance
    /// The `acr` value that selects it in `acr_values` and that its ID tokens assert by default.
    public let acr: String

    /// Creates a route; `acr` defaults to the instance name.
    public init(instance: AuthenticatorInstance, acr: String? = nil) {
        self.instance = instance
        self.acr = acr ?? instance.name
    }
}
