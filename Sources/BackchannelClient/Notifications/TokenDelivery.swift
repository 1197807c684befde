/// How the provider delivers this client's results, as the client is registered there
/// (`backchannel_token_delivery_mode`, CIBA Core §5).
public enum TokenDelivery: Sendable {
    /// The client polls the token endpoint.
    case poll
    /// The provider pings the client's endpoint, which hands the notification to the inbox; the client
    /// then redeems once.
    case ping(NotificationInbox)
    /// The provider pushes the tokens to the client's endpoint, which hands them to the inbox.
    case push(NotificationInbox)
}
