/// A client as configured: the registration metadata of RFC 7591 and CIBA Core §4, in snake_case in
/// the configuration file.
public struct ClientConfiguration: Decodable, Sendable, Hashable {
    /// `client_id`.
    public var clientId: String
    /// `client_secret`: held only as a salted hash once the server starts. A client without one is
    /// public and may not use the CIBA grant.
    public var clientSecret: String?
    /// `client_name`, shown to users on their authentication device.
    public var clientName: String?
    /// `token_endpoint_auth_methods`: the methods this client may authenticate with.
    public var tokenEndpointAuthMethods: [ClientAuthenticationMethod]
    /// `grant_types` (RFC 7591 §2): a client without the CIBA grant gets `unauthorized_client`.
    public var grantTypes: [String]
    /// `backchannel_token_delivery_mode`.
    public var backchannelTokenDeliveryMode: TokenDeliveryMode
    /// `backchannel_client_notification_endpoint`: where ping and push notifications go (CIBA Core §4);
    /// required in those modes, `https` (or `http` to loopback when the policy allows).
    public var backchannelClientNotificationEndpoint: String?
    /// `backchannel_user_code_parameter`: whether requests from this client must carry a `user_code`.
    public var backchannelUserCodeParameter: Bool
    /// `scopes`: the scopes this client may request; `openid` is always allowed.
    public var scopes: [String]
    /// `authenticators`: the authenticators (by instance name) this client may use, in order of
    /// preference; empty means every configured one.
    public var authenticators: [String]
    /// `default_authenticator`: used when `acr_values` select none; defaults to the first allowed.
    public var defaultAuthenticator: String?
    /// `id_token_signed_response_alg` (OpenID Connect Registration §2): the algorithm of this client's ID
    /// tokens; RS256 when absent, as that specification says, or the server's first key's algorithm
    /// when the server has no RS256 key.
    public var idTokenSignedResponseAlg: SigningAlgorithm?
    /// `jwks` (RFC 7591 §2): the client's public keys, which verify its `private_key_jwt` assertions. Each
    /// key needs a `kid`.
    public var jwks: ClientKeySet?
    /// `jwks_uri` (RFC 7591 §2): where the client publishes those keys instead (HTTPS).
    public var jwksUri: String?
    /// `backchannel_authentication_request_signing_alg` (CIBA Core §4): the algorithm the client signs its
    /// authentication requests with; when set, it must sign every one (§7.1.1).
    public var backchannelAuthenticationRequestSigningAlg: String?
    /// `token_endpoint_auth_signing_alg` (RFC 7591 §2): the one algorithm its assertions may use; any of
    /// ES256, PS256 and RS256 when absent.
    public var tokenEndpointAuthSigningAlg: String?

    /// `tls_client_auth_subject_dn` (RFC 8705 §2.1.2): for `tls_client_auth`, the subject DN the client's
    /// certificate must have, in RFC 4514's string form. Exactly one of this and the `tls_client_auth_san_*`
    /// entries.
    public var tlsClientAuthSubjectDn: String?
    /// `tls_client_auth_san_dns`: for `tls_client_auth`, a `dNSName` SAN the certificate must carry.
    public var tlsClientAuthSanDns: String?
    /// `tls_client_auth_san_uri`: a `uniformResourceIdentifier` SAN.
    public var tlsClientAuthSanUri: String?
    /// `tls_client_auth_san_ip`: an `iPAddress` SAN, in its textual form.
    public var tlsClientAuthSanIp: String?
    /// `tls_client_auth_san_email`: an `rfc822Name` SAN.
    public var tlsClientAuthSanEmail: String?
    /// `tls_client_certificate_bound_access_tokens` (RFC 8705 §3.4): bind this client's access tokens to the
    /// certificate it presented at the token endpoint (`cnf` with `x5t#S256`); it must then present one.
    public var tlsClientCertificateBoundAccessTokens: Bool
    /// `profile`: a security profile whose rules this client's configuration and requests must follow
    /// (``ClientProfile/fapiCIBA``); none by default.
    public var profile: ClientProfile?
    /// `resource_server`: this client is a resource server and may introspect any client's access tokens
    /// (RFC 7662 §2.1); any other client may introspect only tokens issued to itself.
    public var resourceServer: Bool = false
    /// `authorization_details_types` (RFC 9396 §10): the authorization details types this client may request,
    /// each one of `policy.authorization_details_types`; none by default.
    public var authorizationDetailsTypes: [String] = []
    /// `max_expiry`: the longest `requested_expiry` granted to this client, in seconds, up to 24 hours (an agent
    /// waiting for a user's approval); `policy.max_expiry` when absent. A request longer than the policy's
    /// counts against ``maxLongPendingPerUser``.
    public var maxExpiry: Int?
    /// `max_long_pending_per_user`: how many of this client's requests for one user may be pending at once with
    /// an expiry beyond `policy.max_expiry`, so long waits cannot crowd a user; 3 by default.
    public var maxLongPendingPerUser: Int = 3

    /// The CIBA grant type, `urn:openid:params:grant-type:ciba`.
    public static let cibaGrantType = "urn:openid:params:grant-type:ciba"
    /// The refresh token grant type (RFC 6749 §6): a client with it, and `offline_access` among its scopes,
    /// gets a refresh token when it asks for `offline_access`.
    public static let refreshTokenGrantType = "refresh_token"

    /// Creates a client configuration.
    public init(
        clientId: String,
        clientSecret: String?,
        clientName: String? = nil,
        tokenEndpointAuthMethods: [ClientAuthenticationMethod] = [.clientSecretBasic, .clientSecretPost],
        grantTypes: [String] = [ClientConfiguration.cibaGrantType],
        backchannelTokenDeliveryMode: TokenDeliveryMode = .poll,
        backchannelClientNotificationEndpoint: String? = nil,
        backchannelUserCodeParameter: Bool = false,
        scopes: [String] = ["openid", "profile", "email"],
        authenticators: [String] = [],
        defaultAuthenticator: String? = nil,
        idTokenSignedResponseAlg: SigningAlgorithm? = nil,
        jwks: ClientKeySet? = nil,
        jwksUri: String? = nil,
        backchannelAuthenticationRequestSigningAlg: String? = nil,
        tokenEndpointAuthSigningAlg: String? = nil,
        tlsClientAuthSubjectDn: String? = nil,
        tlsClientAuthSanDns: String? = nil,
        tlsClientAuthSanUri: String? = nil,
        tlsClientAuthSanIp: String? = nil,
        tlsClientAuthSanEmail: String? = nil,
        tlsClientCertificateBoundAccessTokens: Bool = false,
        profile: ClientProfile? = nil,
        resourceServer: Bool = false,
        authorizationDetailsTypes: [String] = [],
        maxExpiry: Int? = nil,
        maxLongPendingPerUser: Int = 3
    ) {
        self.clientId = clientId
        self.clientSecret = clientSecret
        self.clientName = clientName
        self.tokenEndpointAuthMethods = tokenEndpointAuthMethods
        self.grantTypes = grantTypes
        self.backchannelTokenDeliveryMode = backchannelTokenDeliveryMode
        self.backchannelClientNotificationEndpoint = backchannelClientNotificationEndpoint
        self.backchannelUserCodeParameter = backchannelUserCodeParameter
        self.scopes = scopes
        self.authenticators = authenticators
        self.defaultAuthenticator = defaultAuthenticator
        self.idTokenSignedResponseAlg = idTokenSignedResponseAlg
        self.jwks = jwks
        self.jwksUri = jwksUri
        self.backchannelAuthenticationRequestSigningAlg = backchannelAuthenticationRequestSigningAlg
        self.tokenEndpointAuthSigningAlg = tokenEndpointAuthSigningAlg
        self.tlsClientAuthSubjectDn = tlsClientAuthSubjectDn
        self.tlsClientAuthSanDns = tlsClientAuthSanDns
        self.tlsClientAuthSanUri = tlsClientAuthSanUri
        self.tlsClientAuthSanIp = tlsClientAuthSanIp
        self.tlsClientAuthSanEmail = tlsClientAuthSanEmail
        self.tlsClientCertificateBoundAccessTokens = tlsClientCertificateBoundAccessTokens
        self.profile = profile
        self.resourceServer = resourceServer
        self.authorizationDetailsTypes = authorizationDetailsTypes
        self.maxExpiry = maxExpiry
        self.maxLongPendingPerUser = maxLongPendingPerUser
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case clientId, clientSecret, clientName, tokenEndpointAuthMethods, grantTypes, backchannelTokenDeliveryMode
        case backchannelClientNotificationEndpoint
        case backchannelUserCodeParameter, scopes, authenticators, defaultAuthenticator, idTokenSignedResponseAlg, jwks
        case tokenEndpointAuthSigningAlg, jwksUri, backchannelAuthenticationRequestSigningAlg
        case tlsClientAuthSubjectDn, tlsClientAuthSanDns, tlsClientAuthSanUri, tlsClientAuthSanIp, tlsClientAuthSanEmail
        case tlsClientCertificateBoundAccessTokens, profile, resourceServer, authorizationDetailsTypes, maxExpiry, maxLongPendingPerUser
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            clientId: try container.decode(String.self, forKey: .clientId),
            clientSecret: try container.decodeIfPresent(String.self, forKey: .clientSecret),
            clientName: try container.decodeIfPresent(String.self, forKey: .clientName),
            tokenEndpointAuthMethods: try container.decodeIfPresent([ClientAuthenticationMethod].self, forKey: .tokenEndpointAuthMethods)
                ?? [.clientSecretBasic, .clientSecretPost],
            grantTypes: try container.decodeIfPresent([String].self, forKey: .grantTypes) ?? [Self.cibaGrantType],
            backchannelTokenDeliveryMode: try container.decodeIfPresent(TokenDeliveryMode.self, forKey: .backchannelTokenDeliveryMode) ?? .poll,
            backchannelClientNotificationEndpoint: try container.decodeIfPresent(String.self, forKey: .backchannelClientNotificationEndpoint),
            backchannelUserCodeParameter: try container.decodeIfPresent(Bool.self, forKey: .backchannelUserCodeParameter) ?? false,
            scopes: try container.decodeIfPresent([String].self, forKey: .scopes) ?? ["openid", "profile", "email"],
            authenticators: try container.decodeIfPresent([String].self, forKey: .authenticators) ?? [],
            defaultAuthenticator: try container.decodeIfPresent(String.self, forKey: .defaultAuthenticator),
            idTokenSignedResponseAlg: try container.decodeIfPresent(SigningAlgorithm.self, forKey: .idTokenSignedResponseAlg),
            jwks: try container.decodeIfPresent(ClientKeySet.self, forKey: .jwks),
            jwksUri: try container.decodeIfPresent(String.self, forKey: .jwksUri),
            backchannelAuthenticationRequestSigningAlg: try container.decodeIfPresent(String.self, forKey: .backchannelAuthenticationRequestSigningAlg),
            tokenEndpointAuthSigningAlg: try container.decodeIfPresent(String.self, forKey: .tokenEndpointAuthSigningAlg),
            tlsClientAuthSubjectDn: try container.decodeIfPresent(String.self, forKey: .tlsClientAuthSubjectDn),
            tlsClientAuthSanDns: try container.decodeIfPresent(String.self, forKey: .tlsClientAuthSanDns),
            tlsClientAuthSanUri: try container.decodeIfPresent(String.self, forKey: .tlsClientAuthSanUri),
            tlsClientAuthSanIp: try container.decodeIfPresent(String.self, forKey: .tlsClientAuthSanIp),
            tlsClientAuthSanEmail: try container.decodeIfPresent(String.self, forKey: .tlsClientAuthSanEmail),
            tlsClientCertificateBoundAccessTokens: try container.decodeIfPresent(Bool.self, forKey: .tlsClientCertificateBoundAccessTokens) ?? false,
            profile: try container.decodeIfPresent(ClientProfile.self, forKey: .profile)
        )
        resourceServer = try container.decodeIfPresent(Bool.self, forKey: .resourceServer) ?? false
        authorizationDetailsTypes = try container.decodeIfPresent([String].self, forKey: .authorizationDetailsTypes) ?? []
        maxExpiry = try container.decodeIfPresent(Int.self, forKey: .maxExpiry)
        maxLongPendingPerUser = try container.decodeIfPresent(Int.self, forKey: .maxLongPendingPerUser) ?? 3
        if let maxExpiry, !(1...ServerPolicy.longestExpiry).contains(maxExpiry) {
            throw DecodingError.dataCorruptedError(forKey: .maxExpiry, in: container, debugDescription: "must be 1 to \(ServerPolicy.longestExpiry) seconds")
        }
        if maxLongPendingPerUser < 1 {
            throw DecodingError.dataCorruptedError(forKey: .maxLongPendingPerUser, in: container, debugDescription: "must be at least 1")
        }
        if clientId.isEmpty {
            throw DecodingError.dataCorruptedError(forKey: .clientId, in: container, debugDescription: "must not be empty")
        }
        if tokenEndpointAuthMethods.isEmpty {
            throw DecodingError.dataCorruptedError(forKey: .tokenEndpointAuthMethods, in: container, debugDescription: "must name at least one method")
        }
    }
}
