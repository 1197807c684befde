import BackchannelCore
import Foundation
import Logging

/// The CIBA protocol engine: validates backchannel authentication requests, drives authenticators,
/// keeps the `auth_req_id` lifecycle and issues tokens. It knows no HTTP framework: an adapter passes
/// it the form parameters and the `Authorization` header and writes out what it returns.
///
/// Each endpoint is a part of its own (``AuthenticationEndpoint``, ``TokenEndpoint``, …) working on the
/// ``EngineState`` they share; the engine holds them and answers for them.
public final class BackchannelEngine: EngineEndpoint {
    let state: EngineState
    let authentication: AuthenticationEndpoint
    let token: TokenEndpoint
    let userinfo: UserinfoEndpoint
    let revocation: RevocationEndpoint
    let notifications: NotificationOutbox

    /// The issuer identifier, an `https` URL without a trailing slash in production.
    public var issuer: String { state.issuer }
    /// The policy.
    public var policy: ServerPolicy { state.policy }
    /// The signing keys.
    public var keys: SigningKeySet { state.keys }
    /// The pending requests.
    public var store: any PendingRequestStore { state.store }
    /// OpenID Provider metadata, encoded once.
    public var discoveryDocument: Data { state.discoveryDocument }
    /// How ping and push deliveries went in this process.
    public var notificationCounters: NotificationCounters { state.notificationCounters }
    /// The audit trail of request state changes and client authentication failures.
    public var audit: AuditLog { state.audit }

    /// Creates the engine.
    /// - Parameters:
    ///   - configuration: What it serves: issuer, policy, clients, authenticators, keys, users.
    ///   - stores: Where it keeps its state; each required (see ``EngineStores``).
    ///   - environment: Its clock, randomness, key fetcher, logger, audit trail and outbox seal.
    /// - Throws: ``EngineConfigurationError`` naming the bad field.
    public convenience init(
        _ configuration: EngineConfiguration, stores: EngineStores, environment: EngineEnvironment = EngineEnvironment()
    ) throws(EngineConfigurationError) {
        self.init(try EngineState(configuration, stores: stores, environment: environment))
    }

    private init(_ state: EngineState) {
        self.state = state
        self.authentication = AuthenticationEndpoint(state: state)
        self.token = TokenEndpoint(state: state)
        self.userinfo = UserinfoEndpoint(state: state)
        self.revocation = RevocationEndpoint(state: state)
        self.notifications = NotificationOutbox(state: state)
    }

    /// An engine like this one (same issuer, keys, stores, authenticators and audit trail) with another
    /// policy, other clients and another user directory: what a configuration reload serves next through the
    /// ``EngineHandle``. Pending requests carry on, since the store is the same.
    /// - Throws: ``EngineConfigurationError`` naming the bad field; this engine is untouched.
    public func reconfigured(
        policy: ServerPolicy, clients: [ClientConfiguration], userDirectory: (any UserDirectory)?
    ) throws(EngineConfigurationError) -> BackchannelEngine {
        var configuration = state.configuration
        (configuration.policy, configuration.clients, configuration.userDirectory) = (policy, clients, userDirectory)
        var environment = state.environment
        environment.audit = state.audit
        return BackchannelEngine(
            try EngineState(
                configuration, stores: state.stores, environment: environment, pacing: state.pacing, notificationCounters: state.notificationCounters))
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
    /// its requests (``BackchannelCore/BatchCancelling``).
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
        for request in expired {
            audit.concluded(request, as: .expired, at: now)
            state.pacing.forget(authReqIdHash: request.authReqIdHash)
        }
        await limiter.concluded(members: expired.map(\.authReqIdHash))
        for (name, requests) in Dictionary(grouping: expired, by: \.authenticator) {
            guard let handler = authenticators[name]?.instance.handler else { continue }
            do {
                try await metrics.timing(name, "cancel") {
                    try await handler.cancelAll(requests.map { AuthReqId(rawValue: $0.authReqIdHash) })
                }
            } catch {
                logger.warning("an authenticator failed to cancel expired requests", metadata: ["authenticator": "\(name)", "count": "\(requests.count)"])
            }
        }
        return expired.count
    }
}
