import BackchannelCore
import Foundation
import Metrics

/// A store that times every operation of the store it wraps and counts its errors, by operation.
public struct MeteredPendingRequestStore: PendingRequestStore {
    private struct Instruments: Sendable {
        let timer: Metrics.Timer
        let errors: Counter

        init(_ operation: String) {
            timer = Metrics.Timer(label: "backchannel_store_operation_duration_seconds", dimensions: [("operation", operation)], preferredDisplayUnit: .seconds)
            errors = Counter(label: "backchannel_store_errors_total", dimensions: [("operation", operation)])
        }

        func measure<T>(_ body: () async throws -> T) async throws -> T {
            let started = ContinuousClock.now
            defer { timer.recordNanoseconds((ContinuousClock.now - started).nanoseconds) }
            do {
                return try await body()
            } catch {
                errors.increment()
                throw error
            }
        }
    }

    /// The store measured.
    public let inner: any PendingRequestStore
    private let insert = Instruments("insert")
    private let read = Instruments("request")
    private let poll = Instruments("register_poll")
    private let conclusion = Instruments("conclude")
    private let redemption = Instruments("redeem")
    private let removal = Instruments("remove")
    private let expiry = Instruments("claim_expired")
    private let claim = Instruments("claim_notifications")
    private let payload = Instruments("fix_notification_payload")
    private let attempt = Instruments("record_notification_attempt")
    private let counting = Instruments("pending_counts")

    /// Wraps `inner`.
    public init(_ inner: any PendingRequestStore) {
        self.inner = inner
    }

    public func insert(_ request: PendingRequest) async throws {
        try await insert.measure { try await inner.insert(request) }
    }

    public func insert(_ request: PendingRequest, admitting admission: LimitAdmission, in limits: any LimitStore, now: Date) async throws -> LimitVerdict {
        try await insert.measure { try await inner.insert(request, admitting: admission, in: limits, now: now) }
    }

    public func insert(contentsOf requests: [PendingRequest]) async throws {
        try await insert.measure { try await inner.insert(contentsOf: requests) }
    }

    public func request(authReqIdHash: String) async throws -> PendingRequest? {
        try await read.measure { try await inner.request(authReqIdHash: authReqIdHash) }
    }

    public func pollRead(authReqIdHash: String) async throws -> (request: PendingRequest?, statusCheckScope: (any StatusCheckScope)?) {
        try await poll.measure { try await inner.pollRead(authReqIdHash: authReqIdHash) }
    }

    public func growInterval(authReqIdHash: String, by seconds: Int) async throws -> Int? {
        try await poll.measure { try await inner.growInterval(authReqIdHash: authReqIdHash, by: seconds) }
    }

    public func conclude(authReqIdHash: String, result: BackchannelAuthenticationResult) async throws -> Bool {
        try await conclusion.measure { try await inner.conclude(authReqIdHash: authReqIdHash, result: result) }
    }

    public func concludeReturningRequest(authReqIdHash: String, result: BackchannelAuthenticationResult) async throws -> PendingRequest? {
        try await conclusion.measure { try await inner.concludeReturningRequest(authReqIdHash: authReqIdHash, result: result) }
    }

    public func redeem(authReqIdHash: String, clientId: String, now: Date) async throws -> PendingRequest? {
        try await redemption.measure { try await inner.redeem(authReqIdHash: authReqIdHash, clientId: clientId, now: now) }
    }

    public func remove(authReqIdHash: String) async throws {
        try await removal.measure { try await inner.remove(authReqIdHash: authReqIdHash) }
    }

    public func claimExpired(now: Date, limit: Int) async throws -> [PendingRequest] {
        try await expiry.measure { try await inner.claimExpired(now: now, limit: limit) }
    }

    public func claimNotifications(
        now: Date, limit: Int, lease: TimeInterval, excludingClients: Set<String>, perClient: Int
    ) async throws -> [DueNotification] {
        try await claim.measure {
            try await inner.claimNotifications(now: now, limit: limit, lease: lease, excludingClients: excludingClients, perClient: perClient)
        }
    }

    public func fixNotificationPayload(authReqIdHash: String, payload: Data) async throws -> Data {
        try await self.payload.measure { try await inner.fixNotificationPayload(authReqIdHash: authReqIdHash, payload: payload) }
    }

    public func recordNotificationAttempt(authReqIdHash: String, outcome: NotificationAttemptOutcome) async throws {
        try await attempt.measure { try await inner.recordNotificationAttempt(authReqIdHash: authReqIdHash, outcome: outcome) }
    }

    public func pendingCounts() async throws -> [String: Int] {
        try await counting.measure { try await inner.pendingCounts() }
    }

    public func pendingRequests(subject: String?, clientId: String?, limit: Int) async throws -> [PendingRequest] {
        try await inner.pendingRequests(subject: subject, clientId: clientId, limit: limit)
    }
}
