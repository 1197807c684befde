import BackchannelCore
import Logging

/// A part of the engine (an endpoint, the notification outbox, the engine's own operations) that works on the
/// ``EngineState`` it was made with: these are the names it reads that state by, in one place.
protocol EngineEndpoint: Sendable {
    var state: EngineState { get }
}

extension EngineEndpoint {
    var issuer: String { state.issuer }
    var policy: ServerPolicy { state.policy }
    var keys: SigningKeySet { state.keys }
    var store: any PendingRequestStore { state.store }
    var replayStore: any PluginStateStore { state.replayStore }
    var userDirectory: (any UserDirectory)? { state.userDirectory }
    var clock: any BackchannelClock { state.clock }
    var random: any RandomSource { state.random }
    var logger: Logger { state.logger }
    var outboxSeal: OutboxSeal { state.outboxSeal }
    var audit: AuditLog { state.audit }
    var clients: ClientAuthenticator { state.clients }
    /// The authenticators by name.
    var authenticators: [String: AuthenticatorRoute] { state.routes.byName }
    /// The authenticators by the `acr` that selects them.
    var authenticatorsByAcr: [String: AuthenticatorRoute] { state.routes.byAcr }
    var tokenIssuer: TokenIssuer { state.tokenIssuer }
    var idTokenHints: IDTokenHintValidator { state.idTokenHints }
    var limiter: AbuseLimiter { state.limiter }
    var refreshTokens: RefreshTokens { state.refreshTokens }
    var signedRequests: SignedRequestVerifier { state.signedRequests }
    var authorizationDetails: AuthorizationDetailsValidator { state.authorizationDetails }
    var metrics: EngineMetrics { state.metrics }
    var notificationCounters: NotificationCounters { state.notificationCounters }

    /// Runs a store operation, turning a storage failure into `server_error` (the details are logged).
    func storeCall<T>(_ operation: () async throws -> T) async throws(OAuthError) -> T {
        do {
            return try await operation()
        } catch {
            logger.error("the pending-request store failed", metadata: ["error": "\(error)"])
            throw .serverError("the server could not complete the request")
        }
    }
}
