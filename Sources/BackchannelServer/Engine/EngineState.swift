import BackchannelCore
import Foundation
import Logging

/// What the engine's endpoints share, made once from the engine's configuration, stores and environment: the
/// validated clients and authenticators, the services built on the stores (limits, refresh tokens, replay
/// checks), and the metrics and audit trail. Each endpoint reads it through ``EngineEndpoint``; nothing in it
/// changes after it is made (a reload makes a new one).
final class EngineState: Sendable {
    let configuration: EngineConfiguration
    let stores: EngineStores
    let environment: EngineEnvironment

    let issuer: String
    let policy: ServerPolicy
    let keys: SigningKeySet
    let store: any PendingRequestStore
    let replayStore: any PluginStateStore
    let userDirectory: (any UserDirectory)?
    let clock: any BackchannelClock
    let random: any RandomSource
    let logger: Logger
    let outboxSeal: OutboxSeal
    let audit: AuditLog
    /// OpenID Provider metadata, encoded once.
    let discoveryDocument: Data
    let clients: ClientAuthenticator
    let routes: AuthenticatorRoutes
    let tokenIssuer: TokenIssuer
    let idTokenHints: IDTokenHintValidator
    let limiter: AbuseLimiter
    let refreshTokens: RefreshTokens
    /// Verifies signed authentication requests (CIBA Core §7.1.1).
    let signedRequests: SignedRequestVerifier
    /// Checks `authorization_details` (RFC 9396) against the configured types.
    let authorizationDetails: AuthorizationDetailsValidator
    /// Says in the operator's log why a client's request was refused.
    let refusals: ClientRefusalLog
    let metrics: EngineMetrics
    /// Where the engine's spans go.
    let tracer: EngineTracer
    /// How ping and push deliveries went in this process.
    let notificationCounters: NotificationCounters
    /// When each request was last polled on this node (`slow_down`); kept across reloads.
    let pacing: PollPacing

    /// Makes the state; a reload passes on the node's poll pacing and delivery counts.
    init(
        _ configuration: EngineConfiguration, stores: EngineStores, environment: EngineEnvironment, pacing: PollPacing = PollPacing(),
        notificationCounters: NotificationCounters = NotificationCounters()
    ) throws(EngineConfigurationError) {
        let issuer = configuration.issuer
        guard let issuerURL = URL(string: issuer), issuerURL.scheme == "https" || issuerURL.scheme == "http",
            issuerURL.host != nil, issuerURL.query == nil, issuerURL.fragment == nil, !issuer.hasSuffix("/")
        else {
            throw EngineConfigurationError(field: "server.issuer", reason: "must be an http(s) URL without query, fragment or trailing slash")
        }
        let policy = configuration.policy
        let (clock, random, logger) = (environment.clock, environment.random, environment.logger)
        let routes = try AuthenticatorRoutes(configuration.authenticators)
        let registry = try ClientRegistry(
            configuration.clients, policy: policy, routes: routes, keys: configuration.keys, keyFetcher: environment.keyFetcher,
            certificateAuthorities: configuration.clientCertificateAuthorities, clock: clock, random: random)
        self.discoveryDocument = try DiscoveryDocument(issuer: issuer, registered: registry.clients, routes: routes, keys: configuration.keys,
            authorizationDetailsTypes: Array(policy.authorizationDetailsTypes.keys)).encoded()

        (self.configuration, self.stores, self.environment) = (configuration, stores, environment)
        (self.pacing, self.notificationCounters) = (pacing, notificationCounters)
        (self.issuer, self.policy, self.keys, self.routes) = (issuer, policy, configuration.keys, routes)
        (self.store, self.replayStore, self.userDirectory) = (stores.requests, stores.replay, configuration.userDirectory)
        (self.clock, self.random, self.logger, self.outboxSeal) = (clock, random, logger, environment.outboxSeal)
        self.audit = environment.audit ?? AuditLog(logger: logger)
        self.refreshTokens = RefreshTokens(
            store: stores.replay, random: random, lifetime: TimeInterval(policy.refreshTokenLifetime),
            maxLifetime: TimeInterval(policy.refreshTokenMaxLifetime))
        let endpoints = [issuer, issuer + EndpointPaths.token, issuer + EndpointPaths.backchannelAuthentication]
        let refusals = ClientRefusalLog(logger: logger)
        self.refusals = refusals
        self.clients = ClientAuthenticator(
            clients: registry.clients, basicSalt: registry.basicSalt, authorities: registry.authorities,
            assertions: ClientAssertionVerifier(
                audiences: Set(endpoints), maxLifetime: TimeInterval(policy.clientAssertionMaxLifetime), clockSkew: TimeInterval(policy.clockSkew),
                replay: stores.replay, clock: clock, logger: logger, refusals: refusals),
            clock: clock, refusals: refusals)
        self.signedRequests = SignedRequestVerifier(
            issuer: issuer, maxLifetime: TimeInterval(policy.requestObjectMaxLifetime), clockSkew: TimeInterval(policy.clockSkew),
            replay: stores.replay, clock: clock, logger: logger, refusals: refusals)
        self.authorizationDetails = AuthorizationDetailsValidator(types: policy.authorizationDetailsTypes)
        self.limiter = AbuseLimiter(limits: policy.limits, store: stores.limits, directory: configuration.userDirectory, logger: logger)
        self.tracer = EngineTracer(environment.tracer)
        self.metrics = EngineMetrics(clients: configuration.clients.map(\.clientId), authenticators: routes.names, tracer: tracer,
            outcomes: environment.clientOutcomes)
        self.tokenIssuer = TokenIssuer(issuer: issuer, keys: configuration.keys, policy: policy, random: random)
        self.idTokenHints = IDTokenHintValidator(
            issuer: issuer, keys: configuration.keys, acceptRetiredKeys: policy.acceptIdTokenHintsFromRetiredKeys)
    }
}
