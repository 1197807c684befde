/// A registered client as the admin API shows it: its registration without its secret.
public struct ClientSummary: Codable, Sendable, Hashable {
    /// `client_id`.
    public var clientId: String
    /// `client_name`, if registered.
    public var clientName: String?
    /// `poll`, `ping` or `push`.
    public var deliveryMode: String
    /// The client authentication methods it may use.
    public var tokenEndpointAuthMethods: [String]
    /// The scopes it may ask for.
    public var scopes: [String]
    /// The authenticators its requests may use, and the one used when it names no `acr_values`.
    public var authenticators: [String]
    /// The authenticator used when a request names no `acr_values`.
    public var defaultAuthenticator: String
    /// Where ping and push notifications go.
    public var notificationEndpoint: String?
    /// Whether it may use the CIBA grant at all.
    public var mayUseCiba: Bool

    init(_ client: RegisteredClient) {
        clientId = client.clientId
        clientName = client.clientName
        deliveryMode = client.deliveryMode.rawValue
        tokenEndpointAuthMethods = client.authenticationMethods.map(\.rawValue).sorted()
        scopes = client.allowedScopes.sorted()
        authenticators = client.authenticators
        defaultAuthenticator = client.defaultAuthenticator
        notificationEndpoint = client.notificationEndpoint?.absoluteString
        mayUseCiba = client.mayUseCIBA
    }

    private enum CodingKeys: String, CodingKey {
        case clientId = "client_id", clientName = "client_name", deliveryMode = "backchannel_token_delivery_mode"
        case tokenEndpointAuthMethods = "token_endpoint_auth_methods", scopes, authenticators, defaultAuthenticator = "default_authenticator"
        case notificationEndpoint = "backchannel_client_notification_endpoint", mayUseCiba = "may_use_ciba"
    }
}
