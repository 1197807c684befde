import BackchannelCore
import BackchannelServer

/// What `backchanneld` runs with no `--config`: a demo that works out of the box on loopback.
public enum EmbeddedDefaults {
    /// The demo client's `client_id`.
    public static let clientId = "demo-client"
    // A published demo credential for loopback use only; a configuration file replaces it.
    /// The demo client's published secret.
    public static let clientSecret = "demo-secret"
    /// The demo agent's `client_id`: a ping-mode client that may ask for `payment_initiation` approvals lasting
    /// up to a day (`Examples/AgentApproval`).
    public static let agentClientId = "demo-agent"
    /// The demo agent's published secret.
    public static let agentClientSecret = "demo-agent-secret"
    /// Where the demo agent listens for pings.
    public static let agentNotificationEndpoint = "http://127.0.0.1:9797/ciba/ping"

    /// The demo configuration.
    public static var configuration: BackchanneldConfiguration {
        var policy = ServerPolicy()
        // The demo's published secret is short; the demo serves loopback only.
        policy.minClientSecretLength = 8
        // RFC 9396's example payment (§2), so README's authorization details example runs against the demo.
        policy.authorizationDetailsTypes = ["payment_initiation": .paymentInitiation]
        // The demo agent is called back on loopback over plain HTTP.
        policy.allowInsecureLoopbackNotifications = true
        return BackchanneldConfiguration(
            policy: policy,
            clients: [
                ClientConfiguration(
                    clientId: clientId,
                    clientSecret: clientSecret,
                    clientName: "Demo Call Centre",
                    scopes: ["openid", "profile", "email"],
                    authorizationDetailsTypes: ["payment_initiation"]
                ),
                ClientConfiguration(
                    clientId: agentClientId,
                    clientSecret: agentClientSecret,
                    clientName: "Demo Payment Agent",
                    backchannelTokenDeliveryMode: .ping,
                    backchannelClientNotificationEndpoint: agentNotificationEndpoint,
                    scopes: ["openid", "profile"],
                    authorizationDetailsTypes: ["payment_initiation"],
                    maxExpiry: ServerPolicy.longestExpiry
                ),
            ],
            authenticators: [
                AuthenticatorSettings(
                    plugin: "mock-push",
                    configuration: .object([
                        "users": .object([
                            "alice": .object(["action": .string("approve"), "after_seconds": .integer(2)]),
                            "bob": .object(["action": .string("deny"), "after_seconds": .integer(2)]),
                            "carol": .object(["action": .string("silent")]),
                        ])
                    ])
                )
            ],
            users: [
                DirectoryUser(subject: "alice", loginHints: ["alice@example.com"], email: "alice@example.com"),
                DirectoryUser(subject: "bob", loginHints: ["bob@example.com"], email: "bob@example.com"),
                DirectoryUser(subject: "carol", loginHints: ["carol@example.com"], email: "carol@example.com"),
            ]
        )
    }
}
