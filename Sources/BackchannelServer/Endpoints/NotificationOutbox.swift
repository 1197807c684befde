import BackchannelCore
import Foundation
import Tracing
import Logging

/// The ping and push outbox: claims due notifications, delivers them and records how they went.
struct NotificationOutbox: EngineEndpoint {
    let state: EngineState

    /// Claims up to `limit` due ping and push notifications for this process to deliver, each leased
    /// for `lease` seconds (longer than an attempt may take): none of `excludingClients` (those with as many
    /// under way as the deliverer allows), and at most `perClient` of any other client's.
    /// - Throws: The store's error; the caller backs off (the store is down, and says so once).
    func claimDueNotifications(
        limit: Int, lease: TimeInterval = 60, excludingClients: Set<String> = [], perClient: Int? = nil
    ) async throws -> [DueNotification] {
        try await store.claimNotifications(
            now: clock.now, limit: limit, lease: lease, excludingClients: excludingClients, perClient: perClient ?? limit)
    }

    /// Where a claimed notification goes: its client's registered endpoint, and nowhere else.
    func notificationEndpoint(for due: DueNotification) -> URL? {
        clients.client(id: due.request.clientId)?.notificationEndpoint
    }

    /// Makes one delivery attempt of a claimed notification and records how it ended: delivered on
    /// 2xx; tried again later, with exponential backoff and jitter, after a connection error, a
    /// timeout, 408, 429 or 5xx; failed for good on any other answer or when the attempts run out.
    /// - Returns: How the attempt ended.
    @discardableResult
    func deliver(_ due: DueNotification, transport: some NotificationTransport) async -> NotificationAttemptOutcome {
        // A child of the trace its request began in, when this node recorded one: the client's request, the
        // user's message and the notification are one tree. Otherwise (a request not sampled, or taken by
        // another node) the delivery is not traced.
        let hash = due.request.authReqIdHash
        let traces = state.environment.requestTraces
        guard state.tracer.isOn, let context = traces.context(for: hash) else { return await attempt(due, transport: transport) }
        return await state.tracer.span("ciba notify", kind: .producer, context: context) { span in
            span?.attributes["backchannel.auth_req_id_sha256"] = AuditLog.label(hash).description
            span?.attributes["oauth.client_id"] = due.request.clientId
            if let mode = due.request.notification?.mode { span?.attributes["backchannel.delivery_mode"] = "\(mode)" }
            let outcome = await attempt(due, transport: transport)
            let (name, retried): (String, Bool) =
                switch outcome {
                case .delivered: ("delivered", false)
                case .retry: ("retry", true)
                case .failed: ("failed", false)
                }
            span?.attributes["backchannel.notification.outcome"] = name
            if !retried { traces.forget(hash) }
            return outcome
        }
    }

    private func attempt(_ due: DueNotification, transport: some NotificationTransport) async -> NotificationAttemptOutcome {
        let request = due.request
        guard let notification = request.notification, let client = clients.client(id: request.clientId),
            client.deliveryMode == notification.mode, let endpoint = client.notificationEndpoint
        else {
            logger.warning("a notification's client is no longer configured for it", metadata: ["client_id": "\(request.clientId)"])
            return await record(.failed, for: due, cause: "client reconfigured", endpoint: nil)
        }
        let body: Data
        let bearer: String
        do {
            bearer = try outboxSeal.open(notification.token, for: request.authReqIdHash)
            body = try await payload(for: due, notification: notification, client: client)
        } catch {
            logger.error("a notification could not be prepared", metadata: ["client_id": "\(client.clientId)", "error": "\(error)"])
            return await record(retryOrFail(due), for: due, cause: "not prepared", endpoint: endpoint)
        }
        let outcome: NotificationAttemptOutcome
        let cause: String
        do {
            let status = try await transport.post(
                body, to: endpoint, bearerToken: bearer, timeout: .seconds(policy.notificationAttemptTimeout))
            cause = "HTTP \(status)"
            switch status {
            case 200..<300: outcome = .delivered
            case 408, 429, 500..<600: outcome = retryOrFail(due)
            default: outcome = .failed  // a redirect or a refusal: trying again will not change it
            }
        } catch {
            cause = "\(error)"
            outcome = retryOrFail(due)
        }
        return await record(outcome, for: due, cause: cause, endpoint: endpoint)
    }

    /// A retry after the backoff, unless this was the last attempt allowed.
    private func retryOrFail(_ due: DueNotification) -> NotificationAttemptOutcome {
        let made = due.attempts + 1
        guard made < policy.notificationMaxAttempts else { return .failed }
        // 1, 2, 4 … 60 seconds, each drawn between half and all of it, so retries from many
        // notifications to one recovering endpoint spread out.
        let ceiling = min(60, pow(2, Double(made - 1)))
        let fraction = Double(random.bytes(count: 2).reduce(0) { $0 << 8 | Int($1) }) / 65535
        return .retry(at: clock.now.addingTimeInterval(ceiling * (0.5 + fraction / 2)))
    }

    private func record(_ outcome: NotificationAttemptOutcome, for due: DueNotification, cause: String, endpoint: URL?) async -> NotificationAttemptOutcome {
        let hash = due.request.authReqIdHash
        do {
            try await store.recordNotificationAttempt(authReqIdHash: hash, outcome: outcome)
        } catch {
            // The lease runs out and the notification is claimed again: at least once still holds.
            logger.error("recording a notification attempt failed", metadata: ["error": "\(error)"])
        }
        notificationCounters.count(outcome)
        let metadata: Logger.Metadata = [
            "auth_req_id_sha256": "\(AuthReqId(rawValue: hash))", "client_id": "\(due.request.clientId)",
            "endpoint": "\(endpoint?.absoluteString ?? "none")", "attempt": "\(due.attempts + 1)", "cause": "\(cause)",
        ]
        switch outcome {
        case .delivered:
            logger.info("notification delivered", metadata: metadata)
            if due.request.notification?.mode == .push { await concludedByPush(due.request) }
        case .retry:
            logger.notice("notification attempt failed; retrying", metadata: metadata)
        case .failed:
            logger.warning("notification delivery failed", metadata: metadata)
            if due.request.notification?.mode == .push {
                await limiter.concluded(member: hash, denied: false, now: clock.now)
            }
        }
        return outcome
    }

    /// A push client has the outcome: the request stops counting against the limits, and an approved
    /// one's authenticator may forget it, as after a redemption.
    private func concludedByPush(_ request: PendingRequest) async {
        var denied = false
        if case .denied = request.state { denied = true }
        await limiter.concluded(member: request.authReqIdHash, denied: denied, now: clock.now)
        if case .approved = request.state, let handler = authenticators[request.authenticator]?.instance.handler {
            try? await metrics.timing(request.authenticator, "cancel") {
                try await handler.cancelAuthenticationRequest(authReqId: AuthReqId(rawValue: request.authReqIdHash))
            }
        }
    }

    /// The body: for ping, the `auth_req_id` (CIBA Core §10.2); for push, the tokens or the error
    /// (§10.3.1, §12), fixed in the store at the first attempt so every retry sends the same.
    private func payload(for due: DueNotification, notification: ClientNotification, client: RegisteredClient) async throws -> Data {
        let hash = due.request.authReqIdHash
        let id = try outboxSeal.open(notification.authReqId, for: hash)
        guard notification.mode == .push else { return try PushPayload.encode(["auth_req_id": id]) }
        if let fixed = due.payload { return try outboxSeal.open(fixed, for: hash) }
        let body: Data
        switch due.request.state {
        case .approved(let attributes):
            let tokens = try await tokenIssuer.issue(
                for: due.request, attributes: attributes, idTokenKid: client.idTokenKid,
                idTokenClaims: try await claims(due.request.claims.idToken, subject: attributes.subject), authReqId: id, now: clock.now)
            body = try PushPayload.encode(PushPayload.Tokens(authReqId: id, tokens: tokens))
        case .denied:
            body = try PushPayload.encode(
                PushPayload.Failure(authReqId: id, error: "access_denied", errorDescription: "the user denied the authentication request"))
        case .failed:
            body = try PushPayload.encode(
                PushPayload.Failure(authReqId: id, error: "transaction_failed", errorDescription: "the authentication could not be completed"))
        case .expired, .pending:
            body = try PushPayload.encode(
                PushPayload.Failure(authReqId: id, error: "expired_token", errorDescription: "the authentication request expired"))
        }
        // Sealed in the store: a push payload carries the tokens themselves.
        return try outboxSeal.open(try await store.fixNotificationPayload(authReqIdHash: hash, payload: outboxSeal.seal(body, for: hash)), for: hash)
    }
}
