import BackchannelCore
/// How a client receives the outcome of a backchannel authentication (CIBA Core §5).
public enum TokenDeliveryMode: String, Codable, Sendable, Hashable, ConfigurationEnum {
    /// The client polls the token endpoint.
    case poll
    /// The server calls the client's notification endpoint; the client then collects the tokens.
    case ping
    /// The server delivers the tokens to the client's notification endpoint.
    case push

    /// The modes this server delivers in.
    public static let supported: [TokenDeliveryMode] = [.poll, .ping, .push]
}
