import BackchannelCore

/// What the configuration says the engine serves: who it is, its rules, its clients, its authenticators, its
/// keys and its users. A reload replaces the policy, the clients and the users
/// (``BackchannelEngine/reconfigured(policy:clients:userDirectory:)``).
public struct EngineConfiguration: Sendable {
    /// The issuer identifier: an `http(s)` URL without query, fragment or trailing slash (`https` in production).
    public var issuer: String
    /// The policy.
    public var policy: ServerPolicy
    /// The registered clients.
    public var clients: [ClientConfiguration]
    /// The configured authenticators, the first a client's default; their handlers should report to a
    /// ``StoreCompletionSink`` on the engine's pending-request store.
    public var authenticators: [AuthenticatorRoute]
    /// The signing keys.
    public var keys: SigningKeySet
    /// The users, to verify `user_code`s, to count requests per user and to answer claims; without one, a
    /// `user_code` never verifies, hints are counted as they are, and the UserInfo endpoint knows nobody.
    public var userDirectory: (any UserDirectory)?
    /// The certificate authorities `tls_client_auth` certificates must chain to (DER); required when a client
    /// uses that method.
    public var clientCertificateAuthorities: [[UInt8]]

    /// Describes what the engine serves.
    public init(
        issuer: String, policy: ServerPolicy = ServerPolicy(), clients: [ClientConfiguration], authenticators: [AuthenticatorRoute],
        keys: SigningKeySet, userDirectory: (any UserDirectory)? = nil, clientCertificateAuthorities: [[UInt8]] = []
    ) {
        self.issuer = issuer
        self.policy = policy
        self.clients = clients
        self.authenticators = authenticators
        self.keys = keys
        self.userDirectory = userDirectory
        self.clientCertificateAuthorities = clientCertificateAuthorities
    }
}
