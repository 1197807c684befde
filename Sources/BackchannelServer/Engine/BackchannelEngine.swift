import BackchannelCore
import Foundation
import Logging
import X509

/// The CIBA protocol engine: validates backchannel authentication requests, drives authenticators,
/// keeps the `auth_req_id` lifecycle and issues tokens. It knows no HTTP framework: an adapter passes
/// it the form parameters and the `Authorization` header and writes out what it returns.
public final class BackchannelEngine: Sendable {
    /// The issuer identifier, an `https` URL without a trailing slash in production.
    public let issuer: String
    /// The policy.
    public let policy: ServerPolicy
    /// The signing keys.
    public let keys: SigningKeySet
    /// The pending requests.
    public let store: any PendingRequestStore
    /// OpenID Provider metadata, encoded once.
    public let discoveryDocument: Data
    let clients: ClientAuthenticator
    let authenticators: [String: AuthenticatorRoute]
    let authenticatorsByAcr: [String: AuthenticatorRoute]
    /// The authenticators in their configured order (the first is a client's default).
    let routes: [AuthenticatorRoute]
    let clock: any BackchannelClock
    let random: any RandomSource
    let logger: Logger
    let tokenIssuer: TokenIssuer
    let idTokenHints: IDTokenHintValidator
    let limiter: AbuseLimiter
    /// Where spent client assertions are remembered, and what fetches clients' `jwks_uri`.
    let replayStore: any PluginStateStore
    let keyFetcher: (any ClientKeyFetcher)?
    /// The authorities of `tls_client_auth` certificates, as given (DER), for ``reconfigured(policy:clients:userDirectory:)``.
    let clientCertificateAuthorities: [[UInt8]]
    /// Refresh tokens, in the replay store.
    let refreshTokens: RefreshTokens
    /// Verifies signed authentication requests (CIBA Core §7.1.1).
    let signedRequests: SignedRequestVerifier
    let userDirectory: (any UserDirectory)?
    /// How ping and push deliveries went in this process.
    public let notificationCounters = NotificationCounters()
    let metrics: EngineMetrics
    /// The audit trail of request state changes and client authentication failures.
    public let audit: AuditLog
    /// Seals what the ping/push outbox keeps in the store until delivered.
    let outboxSeal: OutboxSeal

    /// Creates the engine.
    /// - Parameters:
    ///   - issuer: The issuer identifier.
    ///   - policy: The policy.
    ///   - clients: The registered clients.
    ///   - authenticators: The configured authenticators; their handlers should report to a
    ///     ``StoreCompletionSink`` on the same `store`.
    ///   - keys: The signing keys.
    ///   - store: The pending-request store.
    ///   - clock: The clock; tests pass a virtual one.
    ///   - random: The CSPRNG.
    ///   - userDirectory: The users, to verify `user_code`s, to count requests per user and to answer
    ///     claims; without one, a `user_code` never verifies, hints are counted as they are, and the
    ///     UserInfo endpoint knows nobody.
    ///   - limitStore: Where the abuse limits count: `PostgresStore` when several nodes serve, so that they
    ///     count together; an ``InMemoryLimitStore`` for one process. Required: a default in memory would
    ///     give each node of a deployment limits of its own, silently.
    ///   - replayStore: Where spent client assertions and signed requests (`jti`), refresh tokens and
    ///     revocations are kept: the shared plugin-state store, so that every node sees them. Required, for
    ///     the same reason.
    ///   - keyFetcher: What fetches clients' `jwks_uri`; required when a client registers one.
    ///   - clientCertificateAuthorities: The certificate authorities `tls_client_auth` certificates must chain
    ///     to (DER); required when a client uses that method.
    ///   - logger: The logger.
    ///   - audit: Where state changes are recorded; by default on `logger`, subjects hashed under a key of this process.
    ///   - outboxSeal: How the ping/push outbox's secrets are kept in the store: sealed under the store's
    ///     key-encryption key for a store that keeps them at rest; as they are by default.
    /// - Throws: ``EngineConfigurationError`` naming the bad field.
    public init(
        issuer: String,
        policy: ServerPolicy = ServerPolicy(),
        clients: [ClientConfiguration],
        authenticators: [AuthenticatorRoute],
        keys: SigningKeySet,
        store: any PendingRequestStore,
        clock: any BackchannelClock = SystemClock(),
        random: any RandomSource = SystemRandomSource(),
        userDirectory: (any UserDirectory)? = nil,
        limitStore: any LimitStore,
        replayStore: any PluginStateStore,
        keyFetcher: (any ClientKeyFetcher)? = nil,
        clientCertificateAuthorities: [[UInt8]] = [],
        logger: Logger = Logger(label: "backchannel.engine"),
        audit: AuditLog? = nil,
        outboxSeal: OutboxSeal = .none
    ) throws(EngineConfigurationError) {
        self.outboxSeal = outboxSeal
        let authorities: ClientCertificateAuthorities
        do {
            authorities = try ClientCertificateAuthorities(der: clientCertificateAuthorities)
        } catch {
            throw EngineConfigurationError(field: "server.client_certificates.ca_file", reason: "holds something that is not an X.509 certificate")
        }
        guard let issuerURL = URL(string: issuer), issuerURL.scheme == "https" || issuerURL.scheme == "http",
            issuerURL.host != nil, issuerURL.query == nil, issuerURL.fragment == nil, !issuer.hasSuffix("/")
        else {
            throw EngineConfigurationError(field: "server.issuer", reason: "must be an http(s) URL without query, fragment or trailing slash")
        }
        guard !authenticators.isEmpty else {
            throw EngineConfigurationError(field: "authenticators", reason: "at least one authenticator is required")
        }
        var byName: [String: AuthenticatorRoute] = [:]
        var byAcr: [String: AuthenticatorRoute] = [:]
        for (index, route) in authenticators.enumerated() {
            guard byName[route.instance.name] == nil else {
                throw EngineConfigurationError(field: "authenticators[\(index)].name", reason: "'\(route.instance.name)' is used twice")
            }
            guard byAcr[route.acr] == nil else {
                throw EngineConfigurationError(field: "authenticators[\(index)].acr", reason: "'\(route.acr)' is used twice")
            }
            byName[route.instance.name] = route
            byAcr[route.acr] = route
        }
        let names = authenticators.map(\.instance.name)
        var registered: [RegisteredClient] = []
        let basicSalt = random.bytes(count: 16)
        for (index, configuration) in clients.enumerated() {
            let field = "clients[\(index)]"
            guard !registered.contains(where: { $0.clientId == configuration.clientId }) else {
                throw EngineConfigurationError(field: "\(field).client_id", reason: "'\(configuration.clientId)' is registered twice")
            }
            // CIBA Core §4 has confidential clients only: every method a client may use needs its credential.
            let secretMethods = configuration.tokenEndpointAuthMethods.filter { $0 != .privateKeyJWT && !$0.isMutualTLS }
            if !secretMethods.isEmpty || configuration.clientSecret != nil {
                guard let secret = configuration.clientSecret else {
                    throw EngineConfigurationError(
                        field: "\(field).client_secret", reason: "is required for \(secretMethods.map(\.rawValue).joined(separator: " and ")): CIBA clients are confidential")
                }
                if secret.count < policy.minClientSecretLength {
                    throw EngineConfigurationError(
                        field: "\(field).client_secret",
                        reason: "is shorter than \(policy.minClientSecretLength) characters (policy.min_client_secret_length); use a long random secret")
                }
            }
            // Keys verify private_key_jwt assertions and signed authentication requests; registered keys are
            // checked even when only the other use needs them.
            var assertionKeys: ClientAssertionKeys?
            if configuration.tokenEndpointAuthMethods.contains(.privateKeyJWT) || configuration.backchannelAuthenticationRequestSigningAlg != nil
                || configuration.jwks != nil || configuration.jwksUri != nil
            {
                assertionKeys = ClientAssertionKeys(
                    try Self.assertionKeySource(configuration, field: field, policy: policy, fetcher: keyFetcher), clock: clock)
            }
            if let algorithm = configuration.backchannelAuthenticationRequestSigningAlg, !ClientAssertionVerifier.algorithms.contains(algorithm) {
                throw EngineConfigurationError(
                    field: "\(field).backchannel_authentication_request_signing_alg",
                    reason: "must be one of \(ClientAssertionVerifier.algorithms.joined(separator: ", "))")
            }
            try Self.checkGrantTypes(configuration, field: field)
            let mutualTLS = try Self.mutualTLSRegistration(configuration, field: field, authorities: authorities)
            if configuration.tlsClientCertificateBoundAccessTokens, configuration.backchannelTokenDeliveryMode == .push {
                throw EngineConfigurationError(
                    field: "\(field).tls_client_certificate_bound_access_tokens",
                    reason: "cannot hold in push mode: pushed tokens are not requested over a connection with the certificate")
            }
            if configuration.profile == .fapiCIBA { try FAPICIBAProfile.check(configuration, field: field, policy: policy) }
            let notificationEndpoint = try Self.notificationEndpoint(configuration, field: field, policy: policy)
            if let unknown = configuration.authenticators.first(where: { byName[$0] == nil }) {
                throw EngineConfigurationError(field: "\(field).authenticators", reason: "'\(unknown)' is not a configured authenticator")
            }
            if let preferred = configuration.defaultAuthenticator,
                byName[preferred] == nil || !(configuration.authenticators.isEmpty || configuration.authenticators.contains(preferred))
            {
                throw EngineConfigurationError(field: "\(field).default_authenticator", reason: "'\(preferred)' is not one of the client's authenticators")
            }
            let idTokenKid: String
            if let algorithm = configuration.idTokenSignedResponseAlg {
                guard let kid = keys.activeKids[algorithm] else {
                    throw EngineConfigurationError(
                        field: "\(field).id_token_signed_response_alg", reason: "no \(algorithm.rawValue) key is configured under keys")
                }
                idTokenKid = kid
            } else {
                idTokenKid = keys.activeKids[.rs256] ?? keys.activeKid
            }
            registered.append(
                RegisteredClient(
                    configuration: configuration, allAuthenticators: names, idTokenKid: idTokenKid, notificationEndpoint: notificationEndpoint,
                    salt: random.bytes(count: 16), basicSalt: basicSalt, assertionKeys: assertionKeys, mutualTLS: mutualTLS))
        }

        self.issuer = issuer
        self.policy = policy
        self.keys = keys
        self.store = store
        self.replayStore = replayStore
        self.keyFetcher = keyFetcher
        self.refreshTokens = RefreshTokens(
            store: replayStore, random: random, lifetime: TimeInterval(policy.refreshTokenLifetime),
            maxLifetime: TimeInterval(policy.refreshTokenMaxLifetime))
        let endpoints = [issuer, issuer + EndpointPaths.token, issuer + EndpointPaths.backchannelAuthentication]
        self.clientCertificateAuthorities = clientCertificateAuthorities
        let refusals = ClientRefusalLog(logger: logger)
        self.clients = ClientAuthenticator(
            clients: registered, basicSalt: basicSalt, authorities: authorities,
            assertions: ClientAssertionVerifier(
                audiences: Set(endpoints), maxLifetime: TimeInterval(policy.clientAssertionMaxLifetime), clockSkew: TimeInterval(policy.clockSkew),
                replay: replayStore, clock: clock, logger: logger, refusals: refusals),
            clock: clock, refusals: refusals)
        self.signedRequests = SignedRequestVerifier(
            issuer: issuer, maxLifetime: TimeInterval(policy.requestObjectMaxLifetime), clockSkew: TimeInterval(policy.clockSkew),
            replay: replayStore, clock: clock, logger: logger, refusals: refusals)
        self.authenticators = byName
        self.authenticatorsByAcr = byAcr
        self.routes = authenticators
        self.clock = clock
        self.random = random
        self.logger = logger
        self.audit = audit ?? AuditLog(logger: logger)
        self.limiter = AbuseLimiter(limits: policy.limits, store: limitStore, directory: userDirectory, logger: logger)
        self.userDirectory = userDirectory
        self.metrics = EngineMetrics(clients: clients.map(\.clientId), authenticators: authenticators.map(\.instance.name))
        self.tokenIssuer = TokenIssuer(issuer: issuer, keys: keys, policy: policy, random: random)
        self.idTokenHints = IDTokenHintValidator(issuer: issuer, keys: keys, acceptRetiredKeys: policy.acceptIdTokenHintsFromRetiredKeys)

        let scopes = Set(registered.flatMap(\.allowedScopes)).union(["openid"]).sorted()
        // Mutual TLS is announced once some client may use it: the transport must pass certificates for it.
        let mutualTLS = registered.contains { $0.mutualTLS != nil || $0.boundTokens }
        let methods = ClientAuthenticationMethod.allCases.filter { mutualTLS || !$0.isMutualTLS }.map(\.rawValue)
        let document = DiscoveryDocument(
            issuer: issuer,
            authorizationEndpoint: issuer + EndpointPaths.authorization,
            tokenEndpoint: issuer + EndpointPaths.token,
            userinfoEndpoint: issuer + EndpointPaths.userinfo,
            revocationEndpoint: issuer + EndpointPaths.revocation,
            introspectionEndpoint: issuer + EndpointPaths.introspection,
            revocationEndpointAuthMethodsSupported: methods,
            introspectionEndpointAuthMethodsSupported: methods,
            backchannelAuthenticationEndpoint: issuer + EndpointPaths.backchannelAuthentication,
            jwksUri: issuer + EndpointPaths.jwks,
            grantTypesSupported: [CIBAGrant.grantType] + (registered.contains(where: \.mayRefresh) ? [ClientConfiguration.refreshTokenGrantType] : []),
            // The modes some client may use (poll always, as a client's default).
            backchannelTokenDeliveryModesSupported: TokenDeliveryMode.supported.filter { mode in
                mode == .poll || registered.contains { $0.deliveryMode == mode }
            }.map(\.rawValue),
            backchannelUserCodeParameterSupported: true,
            backchannelAuthenticationRequestSigningAlgValuesSupported: ClientAssertionVerifier.algorithms,
            tokenEndpointAuthMethodsSupported: methods,
            tlsClientCertificateBoundAccessTokens: mutualTLS ? true : nil,
            tokenEndpointAuthSigningAlgValuesSupported: ClientAssertionVerifier.algorithms,
            scopesSupported: scopes,
            idTokenSigningAlgValuesSupported: keys.activeKids.keys.map(\.rawValue).sorted { ($0 == "RS256" ? 0 : 1, $0) < ($1 == "RS256" ? 0 : 1, $1) },
            subjectTypesSupported: ["public"],
            // Discovery requires a non-empty list, and strict client libraries check it. `none` (OAuth 2.0
            // Multiple Response Types §4) issues nothing at the front channel; no client here registers a
            // redirect URI, so the authorization endpoint answers every request with an error and redirects
            // nowhere (RFC 6749 §4.1.2.1).
            responseTypesSupported: ["none"],
            acrValuesSupported: authenticators.map(\.acr),
            claimsSupported: (["iss", "sub", "aud", "exp", "iat", "auth_time", "acr", "amr", "at_hash"] + StandardClaims.all.sorted()),
            claimsParameterSupported: true
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            self.discoveryDocument = try encoder.encode(document)
        } catch {
            throw EngineConfigurationError(field: "server", reason: "cannot encode the discovery document")
        }
    }

    /// An engine like this one (same issuer, keys, store, authenticators, limits' store and audit trail)
    /// with another policy, other clients and another user directory: what a configuration reload serves
    /// next through the ``EngineHandle``. Pending requests carry on, since the store is the same.
    /// - Throws: ``EngineConfigurationError`` naming the bad field; this engine is untouched.
    public func reconfigured(
        policy: ServerPolicy, clients: [ClientConfiguration], userDirectory: (any UserDirectory)?
    ) throws(EngineConfigurationError) -> BackchannelEngine {
        try BackchannelEngine(
            issuer: issuer, policy: policy, clients: clients, authenticators: routes, keys: keys, store: store, clock: clock, random: random,
            userDirectory: userDirectory, limitStore: limiter.store, replayStore: replayStore, keyFetcher: keyFetcher,
            clientCertificateAuthorities: clientCertificateAuthorities, logger: logger, audit: audit, outboxSeal: outboxSeal)
    }

    /// A `private_key_jwt` client's registration: keys that can verify its assertions, each with a `kid`
    /// (assertions must name theirs), asymmetric, in an algorithm assertions may use.
    static func assertionKeySource(
        _ configuration: ClientConfiguration, field: String, policy: ServerPolicy, fetcher: (any ClientKeyFetcher)?
    ) throws(EngineConfigurationError) -> ClientAssertionKeys.Source {
        if let uri = configuration.jwksUri {
            // RFC 7591 §2: one or the other, never both.
            guard configuration.jwks == nil else {
                throw EngineConfigurationError(field: "\(field).jwks_uri", reason: "must not be given with jwks (RFC 7591 §2)")
            }
            guard let url = URL(string: uri), let host = url.host, url.user == nil, url.fragment == nil,
                url.scheme == "https" || (url.scheme == "http" && policy.allowInsecureLoopbackJwksUri && ServerExposure(bindHost: host) == .loopback)
            else {
                throw EngineConfigurationError(
                    field: "\(field).jwks_uri", reason: "must be an https URL (http only on loopback with policy.allow_insecure_loopback_jwks_uri)")
            }
            guard let fetcher else {
                throw EngineConfigurationError(field: "\(field).jwks_uri", reason: "needs a host that can fetch it (no key fetcher was given)")
            }
            try checkSigningAlgorithm(configuration, field: field)
            return .remote(url, fetcher)
        }
        guard let keys = configuration.jwks?.jwks.keys, !keys.isEmpty else {
            throw EngineConfigurationError(
                field: "\(field).jwks", reason: "or jwks_uri is required for private_key_jwt and signed requests: the public keys the client signs with")
        }
        for (index, key) in keys.enumerated() {
            guard key.keyIdentifier != nil else {
                throw EngineConfigurationError(field: "\(field).jwks.keys[\(index)].kid", reason: "is required: an assertion names the key it was signed with")
            }
            guard key.keyType == .rsa || key.keyType == .ecdsa else {
                throw EngineConfigurationError(field: "\(field).jwks.keys[\(index)].kty", reason: "must be RSA or EC: assertions are signed with a private key")
            }
            if let algorithm = key.algorithm?.rawValue, !ClientAssertionVerifier.algorithms.contains(algorithm) {
                throw EngineConfigurationError(
                    field: "\(field).jwks.keys[\(index)].alg", reason: "must be one of \(ClientAssertionVerifier.algorithms.joined(separator: ", "))")
            }
        }
        try checkSigningAlgorithm(configuration, field: field)
        return .inline(configuration.jwks!.jwks)
    }

    /// A mutual-TLS client's registration (RFC 8705 §2): for `tls_client_auth` exactly one name and a server
    /// that trusts some authority; for `self_signed_tls_client_auth` inline `jwks` with usable keys.
    static func mutualTLSRegistration(
        _ configuration: ClientConfiguration, field: String, authorities: ClientCertificateAuthorities
    ) throws(EngineConfigurationError) -> MutualTLSRegistration? {
        let names: [MutualTLSRegistration.Name] = [
            configuration.tlsClientAuthSubjectDn.map { .subjectDN($0) }, configuration.tlsClientAuthSanDns.map { .dns($0) },
            configuration.tlsClientAuthSanUri.map { .uri($0) }, configuration.tlsClientAuthSanIp.map { .ip($0) },
            configuration.tlsClientAuthSanEmail.map { .email($0) },
        ].compactMap { $0 }
        let methods = configuration.tokenEndpointAuthMethods
        if methods.contains(.tlsClientAuth) {
            guard names.count == 1 else {
                throw EngineConfigurationError(
                    field: "\(field).tls_client_auth_subject_dn",
                    reason: "or exactly one tls_client_auth_san_* entry is required for tls_client_auth (RFC 8705 §2.1.2), and only one")
            }
            guard !authorities.isEmpty else {
                throw EngineConfigurationError(
                    field: "\(field).token_endpoint_auth_methods",
                    reason: "tls_client_auth needs the authorities that issue client certificates (server.client_certificates.ca_file)")
            }
        } else if !names.isEmpty {
            throw EngineConfigurationError(field: "\(field).tls_client_auth_subject_dn", reason: "and tls_client_auth_san_* are only for tls_client_auth")
        }
        var keys: [Certificate.PublicKey] = []
        if methods.contains(.selfSignedTLSClientAuth) {
            keys = (configuration.jwks?.jwks.keys ?? []).compactMap(MutualTLSRegistration.publicKey(of:))
            guard !keys.isEmpty else {
                throw EngineConfigurationError(
                    field: "\(field).jwks",
                    reason: "with an EC P-256 or RSA key is required for self_signed_tls_client_auth: the keys its certificates may carry")
            }
        }
        guard methods.contains(where: \.isMutualTLS) else { return nil }
        return MutualTLSRegistration(name: methods.contains(.tlsClientAuth) ? names.first : nil, publicKeys: keys)
    }

    /// The grants a client registers: refresh tokens exactly when `offline_access` may be asked
    /// for, and never in push mode (whose tokens wait in the outbox in the clear until delivered).
    private static func checkGrantTypes(_ configuration: ClientConfiguration, field: String) throws(EngineConfigurationError) {
        let refreshes = configuration.grantTypes.contains(ClientConfiguration.refreshTokenGrantType)
        let offline = configuration.scopes.contains("offline_access")
        if refreshes != offline {
            throw EngineConfigurationError(
                field: refreshes ? "\(field).scopes" : "\(field).grant_types",
                reason: refreshes ? "must include offline_access for the refresh_token grant: refresh tokens answer that scope"
                    : "must include refresh_token for the offline_access scope")
        }
        if refreshes, configuration.backchannelTokenDeliveryMode == .push {
            throw EngineConfigurationError(
                field: "\(field).grant_types", reason: "refresh_token is not available in push mode (push tokens wait in the outbox until delivered)")
        }
    }

    private static func checkSigningAlgorithm(_ configuration: ClientConfiguration, field: String) throws(EngineConfigurationError) {
        if let algorithm = configuration.tokenEndpointAuthSigningAlg, !ClientAssertionVerifier.algorithms.contains(algorithm) {
            throw EngineConfigurationError(
                field: "\(field).token_endpoint_auth_signing_alg", reason: "must be one of \(ClientAssertionVerifier.algorithms.joined(separator: ", "))")
        }
    }

    /// A ping or push client's notification endpoint, checked: present for those modes, absolute,
    /// `https`, or `http` to a loopback address when the policy allows it; `nil` for a poll client.
    static func notificationEndpoint(_ configuration: ClientConfiguration, field: String, policy: ServerPolicy) throws(EngineConfigurationError) -> URL? {
        let endpointField = "\(field).backchannel_client_notification_endpoint"
        guard configuration.backchannelTokenDeliveryMode != .poll else {
            if configuration.backchannelClientNotificationEndpoint != nil {
                throw EngineConfigurationError(field: endpointField, reason: "is only for ping and push clients")
            }
            return nil
        }
        guard let text = configuration.backchannelClientNotificationEndpoint else {
            throw EngineConfigurationError(
                field: endpointField, reason: "is required in \(configuration.backchannelTokenDeliveryMode.rawValue) mode")
        }
        guard let url = URL(string: text), let host = url.host, !host.isEmpty, url.fragment == nil, url.user == nil else {
            throw EngineConfigurationError(field: endpointField, reason: "is not an absolute URL without credentials or fragment")
        }
        switch url.scheme?.lowercased() {
        case "https": return url
        case "http":
            guard policy.allowInsecureLoopbackNotifications, ServerExposure(bindHost: host) == .loopback else {
                throw EngineConfigurationError(
                    field: endpointField,
                    reason: "must be https (http only to a loopback address, with policy.allow_insecure_loopback_notifications: true)")
            }
            return url
        default:
            throw EngineConfigurationError(field: endpointField, reason: "must be an https URL")
        }
    }

    /// The key under which the store keeps the request an `auth_req_id` names, which is also the
    /// `AuthReqId` plugins see: its base64url SHA-256. For operators' tools and tests.
    public static func authReqIdHash(_ authReqId: String) -> String {
        AuthReqIdSecret.hash(authReqId)
    }

    /// The configured authenticators, by name, for the HTTP adapter to mount their front channels.
    public var authenticatorInstances: [AuthenticatorInstance] {
        authenticators.values.map(\.instance).sorted { $0.name < $1.name }
    }

    /// Expires every unredeemed request whose expiry has passed: each one's handler is told to cancel
    /// it exactly once, then the record is kept for the retention period and purged.
    ///
    /// A sweep works in batches, so that under sustained load it keeps pace with arrivals: one claim of
    /// up to `limit` requests, one release of their limit counts, and one call per authenticator with all of
    /// its requests (``BackchannelAuthenticationHandler/cancelAuthenticationRequests(_:)``).
    /// - Returns: how many requests expired in this sweep.
    @discardableResult
    public func sweepExpired(limit: Int = 1000) async -> Int {
        let now = clock.now
        let expired: [PendingRequest]
        do {
            expired = try await store.claimExpired(now: now, limit: limit)
        } catch {
            logger.error("expiry sweep failed", metadata: ["error": "\(error)"])
            return 0
        }
        // How late expiry runs: the oldest claimed request expired this long ago (0 when none was due).
        ConclusionMetrics.sweepLag(expired.map { now.timeIntervalSince($0.expiresAt) }.max() ?? 0)
        guard !expired.isEmpty else { return 0 }
        for request in expired { audit.concluded(request, as: .expired, at: now) }
        await limiter.concluded(members: expired.map(\.authReqIdHash))
        for (name, requests) in Dictionary(grouping: expired, by: \.authenticator) {
            guard let handler = authenticators[name]?.instance.handler else { continue }
            do {
                try await metrics.timing(name, "cancel") {
                    try await handler.cancelAuthenticationRequests(requests.map { AuthReqId(rawValue: $0.authReqIdHash) })
                }
            } catch {
                logger.warning("an authenticator failed to cancel expired requests", metadata: ["authenticator": "\(name)", "count": "\(requests.count)"])
            }
        }
        return expired.count
    }
}
