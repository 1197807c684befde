import BackchannelCore
import Foundation

extension BackchannelEngine {
    /// What an operator's cancellation did.
    public enum CancelOutcome: Sendable, Equatable {
        /// The request was pending and is now denied: its client's next poll (or its notification) says
        /// `access_denied`, and its authenticator was told to stop.
        case cancelled
        /// No pending request has this hash (unknown, concluded, redeemed or expired).
        case notPending
    }

    /// The pending requests for `subject` and of `clientId` (either may be left out), oldest first.
    public func pendingRequests(subject: String?, clientId: String?, limit: Int) async throws -> [PendingRequestSummary] {
        try await store.pendingRequests(subject: subject, clientId: clientId, limit: limit).map(PendingRequestSummary.init)
    }

    /// Cancels a pending request for an operator (a user reported "this wasn't me"): it concludes as denied,
    /// its authenticator is told to stop reaching the user, and the audit trail records who cancelled it.
    /// - Parameters:
    ///   - authReqIdHash: The request's store key, as the admin listing shows it.
    ///   - actor: Who cancelled it, for the audit trail.
    public func cancel(authReqIdHash: String, by actor: String) async throws -> CancelOutcome {
        guard let request = try await store.request(authReqIdHash: authReqIdHash), request.state == .pending, clock.now < request.expiresAt,
            try await store.conclude(authReqIdHash: authReqIdHash, result: .denied(reason: "cancelled by an operator"))
        else { return .notPending }
        audit.cancelled(request, by: actor)
        ConclusionMetrics.concluded(request, as: .denied(reason: "cancelled by an operator"), at: clock.now)
        if let handler = authenticators[request.authenticator]?.instance.handler {
            do {
                try await metrics.timing(request.authenticator, "cancel") {
                    try await handler.cancelAuthenticationRequest(authReqId: AuthReqId(rawValue: authReqIdHash))
                }
            } catch {
                logger.warning("an authenticator failed to cancel a request an operator cancelled", metadata: ["authenticator": "\(request.authenticator)"])
            }
        }
        return .cancelled
    }

    /// How each client's requests ended on this node since it started (through reloads), by client id.
    public var clientOutcomes: [String: ClientOutcomes.Tally] {
        state.environment.clientOutcomes.all
    }

    /// The user the configured directories know by `subject`, for an operator's lookup.
    /// - Throws: The directory's error (out of reach).
    public func directoryUser(subject: String) async throws -> DirectoryUser? {
        try await state.userDirectory?.user(subject: subject)
    }

    /// The authenticator named `name` when it enrolls devices (the push authenticator), for the admin API
    /// and the operator console.
    public func deviceEnrollmentIssuer(named name: String?) -> (any DeviceEnrollmentIssuer)? {
        authenticatorInstances.first { $0.name == name }?.handler as? any DeviceEnrollmentIssuer
    }

    /// The names of the authenticators that enroll devices.
    public var deviceEnrollingAuthenticators: [String] {
        authenticatorInstances.filter { $0.handler is any DeviceEnrollmentIssuer }.map(\.name)
    }

    /// The registered clients, by `client_id`.
    public var clientSummaries: [ClientSummary] {
        clients.all.map(ClientSummary.init)
    }

    /// The configured authenticators with their readiness and pending counts now.
    public func authenticatorSummaries() async -> [AuthenticatorSummary] {
        let counts = (try? await store.pendingCounts()) ?? [:]
        var summaries: [AuthenticatorSummary] = []
        for (name, route) in authenticators.sorted(by: { $0.key < $1.key }) {
            let state: String
            switch await route.instance.handler.currentReadiness() {
            case .ready: state = "ready"
            case .notReady(let reason): state = "not ready: \(reason)"
            }
            summaries.append(AuthenticatorSummary(name: name, plugin: route.instance.plugin, acr: route.acr, state: state, pending: counts[name] ?? 0))
        }
        return summaries
    }
}
