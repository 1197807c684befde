import BackchannelCore
import Foundation
import Tracing
import Metrics

/// A store that times every operation of the store it wraps and counts its errors, by operation.
public struct MeteredPendingRequestStore: PendingRequestStore {
    private struct Instruments: Sendable {
        let operation: String
        let timer: Metrics.Timer
        let errors: Counter
        let tracer: EngineTracer
        let system: String

        init(_ operation: String, _ tracer: EngineTracer, _ system: String) {
            self.operation = operation
            timer = Metrics.Timer(label: "backchannel_store_operation_duration_seconds", dimensions: [("operation", operation)], preferredDisplayUnit: .seconds)
            errors = Counter(label: "backchannel_store_errors_total", dimensions: [("operation", operation)])
            (self.tracer, self.system) = (tracer, system)
        }

        /// Times `body` and counts its error; in a span `store <operation>` (the kind of statement, never
        /// its values) within a request's trace.
        func measure<T>(_ body: () async throws -> T) async throws -> T {
            if tracer.isOn, ServiceContext.current != nil {
                return try await tracer.span("store \(operation)", kind: .client) { span in
                    span?.attributes["db.system.name"] = system
                    span?.attributes["db.operation.name"] = operation
                    return try await timed(body)
                }
            }
            return try await timed(body)
        }

        @inline(__always)
        private func timed<T>(_ body: () async throws -> T) async throws -> T {
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
    private let insert: Instruments
    private let read: Instruments
    private let poll: Instruments
    private let conclusion: Instruments
    private let redemption: Instruments
    private let removal: Instruments
    private let expiry: Instruments
    private let claim: Instruments
    private let payload: Instruments
    private let attempt: Instruments
    private let counting: Instruments

    /// Wraps `inner`.
    /// - Parameters:
    ///   - inner: The store measured.
    ///   - tracer: Where each operation's span goes, when tracing is on.
    ///   - system: The store's kind in spans (`db.system.name`: `sqlite`, `postgresql`, `memory`).
    public init(_ inner: any PendingRequestStore, tracer: EngineTracer = .off, system: String = "other") {
        self.inner = inner
        insert = Instruments("insert", tracer, system)
        read = Instruments("request", tracer, system)
        poll = Instruments("register_poll", tracer, system)
        conclusion = Instruments("conclude", tracer, system)
        redemption = Instruments("redeem", tracer, system)
        removal = Instruments("remove", tracer, system)
        expiry = Instruments("claim_expired", tracer, system)
        claim = Instruments("claim_notifications", tracer, system)
        payload = Instruments("fix_notification_payload", tracer, system)
        attempt = Instruments("record_notification_attempt", tracer, system)
        counting = Instruments("pending_counts", tracer, system)
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

    public func concludeReturningRequest(
        authReqIdHash: String, result: BackchannelAuthenticationResult, replacing replacement: PluginStateReplacement, in records: any PluginStateStore
    ) async throws -> (replaced: Bool, concluded: PendingRequest?)? {
        try await conclusion.measure {
            try await inner.concludeReturningRequest(authReqIdHash: authReqIdHash, result: result, replacing: replacement, in: records)
        }
    }

    public func concludes(withRecordsIn records: any PluginStateStore) -> Bool {
        inner.concludes(withRecordsIn: records)
    }

    public func redeem(authReqIdHash: String, clientId: String, now: Date) async throws -> PendingRequest? {
        try await redemption.measure { try await inner.redeem(authReqIdHash: authReqIdHash, clientId: clientId, now: now) }
    }

    public func redeem(authReqIdHash: String, clientId: String, now: Date, ending leftovers: RedemptionLeftovers) async throws
        -> (request: PendingRequest?, endedLeftovers: Bool)
    {
        try await redemption.measure { try await inner.redeem(authReqIdHash: authReqIdHash, clientId: clientId, now: now, ending: leftovers) }
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
