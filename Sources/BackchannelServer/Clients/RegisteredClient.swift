import Foundation

/// A client as the engine holds it once started: its secret reduced to a digest.
public struct RegisteredClient: Sendable {
    /// `client_id`.
    public let clientId: String
    /// `client_name`.
    public let clientName: String?
    /// The methods it may authenticate with.
    public let authenticationMethods: Set<ClientAuthenticationMethod>
    /// Whether it registered the CIBA grant type.
    public let mayUseCIBA: Bool
    /// Whether it may hold refresh tokens: it registered the `refresh_token` grant.
    public let mayRefresh: Bool
    /// How it receives results.
    public let deliveryMode: TokenDeliveryMode
    /// Whether its requests must carry a `user_code`.
    public let requiresUserCode: Bool
    /// The scopes it may request.
    public let allowedScopes: Set<String>
    /// The authenticator instance names it may use, in order of preference.
    public let authenticators: [String]
    /// The authenticator used when `acr_values` select none.
    public let defaultAuthenticator: String
    /// The `kid` of the key that signs its ID tokens.
    let idTokenKid: String
    /// Where its ping or push notifications go.
    public let notificationEndpoint: URL?
    let secretDigest: ClientSecretDigest?
    /// The digest of its `client_secret_basic` credentials as a client typically sends them (see
    /// ``ClientAuthenticator``), under the engine's one Basic salt.
    let basicCredentialsDigest: ClientSecretDigest?
    /// The keys its `private_key_jwt` assertions are verified with, if it may use that method.
    let assertionKeys: ClientAssertionKeys?
    /// The algorithms its assertions may use.
    let assertionAlgorithms: Set<String>
    /// The algorithms its signed authentication requests may use.
    let requestSigningAlgorithms: Set<String>
    /// Whether every authentication request of this client must be signed.
    let mustSignRequests: Bool
    /// How its certificate is recognised, if it may authenticate with mutual TLS.
    let mutualTLS: MutualTLSRegistration?
    /// Whether its access tokens are bound to its certificate (RFC 8705 §3).
    let boundTokens: Bool
    /// The security profile it follows, if any.
    public let profile: ClientProfile?
    /// Whether it may introspect other clients' access tokens (a resource server).
    public let isResourceServer: Bool
    /// The authorization details types it may request.
    let authorizationDetailsTypes: Set<String>
    /// The longest expiry it is granted, if not the policy's.
    let maxExpiry: Int?
    /// How many of its requests for one user may wait beyond the policy's `max_expiry` at once.
    let maxLongPendingPerUser: Int

    /// Whether it is confidential: only confidential clients may use the CIBA grant.
    public var isConfidential: Bool { secretDigest != nil || assertionKeys != nil || mutualTLS != nil }

    init(
        configuration: ClientConfiguration, allAuthenticators: [String], idTokenKid: String, notificationEndpoint: URL?, salt: [UInt8],
        basicSalt: [UInt8], assertionKeys: ClientAssertionKeys? = nil, mutualTLS: MutualTLSRegistration? = nil
    ) {
        self.mutualTLS = mutualTLS
        self.boundTokens = configuration.tlsClientCertificateBoundAccessTokens
        self.profile = configuration.profile
        self.isResourceServer = configuration.resourceServer
        self.authorizationDetailsTypes = Set(configuration.authorizationDetailsTypes)
        self.maxExpiry = configuration.maxExpiry
        self.maxLongPendingPerUser = configuration.maxLongPendingPerUser
        self.idTokenKid = idTokenKid
        self.notificationEndpoint = notificationEndpoint
        self.clientId = configuration.clientId
        self.clientName = configuration.clientName
        self.authenticationMethods = Set(configuration.tokenEndpointAuthMethods)
        self.mayUseCIBA = configuration.grantTypes.contains(ClientConfiguration.cibaGrantType)
        self.mayRefresh = configuration.grantTypes.contains(ClientConfiguration.refreshTokenGrantType)
        self.deliveryMode = configuration.backchannelTokenDeliveryMode
        self.requiresUserCode = configuration.backchannelUserCodeParameter
        self.allowedScopes = Set(configuration.scopes).union(["openid"])
        let authenticators = configuration.authenticators.isEmpty ? allAuthenticators : configuration.authenticators
        self.authenticators = authenticators
        self.defaultAuthenticator = configuration.defaultAuthenticator ?? authenticators.first ?? ""
        self.secretDigest = configuration.clientSecret.map { ClientSecretDigest(secret: $0, salt: salt) }
        self.assertionKeys = assertionKeys
        self.assertionAlgorithms = Set(configuration.tokenEndpointAuthSigningAlg.map { [$0] } ?? ClientAssertionVerifier.algorithms)
        self.requestSigningAlgorithms = Set(configuration.backchannelAuthenticationRequestSigningAlg.map { [$0] } ?? ClientAssertionVerifier.algorithms)
        self.mustSignRequests = configuration.backchannelAuthenticationRequestSigningAlg != nil
        self.basicCredentialsDigest = configuration.clientSecret.map { secret in
            ClientSecretDigest(secret: ClientAuthenticator.canonicalBasicCredentials(id: configuration.clientId, secret: secret), salt: basicSalt)
        }
    }
}
