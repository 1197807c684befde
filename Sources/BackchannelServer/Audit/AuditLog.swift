import BackchannelCore
import Crypto
import Foundation
import Logging
import Synchronization

/// The audit trail: one structured event per state change of a request, at `info`, and client
/// authentication failures at `warning`, rate-limited so a flood cannot fill the disk.
///
/// Every event carries `event` (its name) and the request's label `auth_req_id_sha256`: the start of the
/// base64url SHA-256 the store keys the request by (what plugins see as its `AuthReqId`), never the
/// `auth_req_id` the client holds; the admin API shows the whole of it. Subjects appear as
/// `subject_hmac`, an HMAC-SHA256 under a key the deployment keeps in its store (the same on every node and
/// across restarts, so one user's events can be followed), unless the operator chose `subjects: plain`.
public final class AuditLog: Sendable {
    /// How subjects appear in events (`audit.subjects` in the configuration).
    public enum SubjectForm: String, Sendable, Codable, CaseIterable {
        /// As a keyed hash (`subject_hmac`): the default.
        case hashed
        /// As they are (`subject`).
        case plain
    }

    private let logger: Logger
    /// HMAC keyed with the subject key (`nil`: subjects in plain).
    private let subjectHMAC: HMAC<SHA256>?
    private let failureBudget: FailureBudget

    /// An audit log writing to `logger`.
    /// - Parameters:
    ///   - subjects: How subjects appear.
    ///   - subjectKey: The HMAC key for ``SubjectForm/hashed``; a random one (hashes that change at restart) if `nil`.
    ///   - failuresPerWindow: How many client authentication failures are logged each ten seconds for each client
    ///     (and for unknown ones together); the rest are counted and summed up.
    public init(logger: Logger, subjects: SubjectForm = .hashed, subjectKey: [UInt8]? = nil, failuresPerWindow: Int = 20) {
        self.logger = logger
        self.subjectHMAC = subjects == .plain
            ? nil : HMAC<SHA256>(key: SymmetricKey(data: subjectKey ?? [UInt8](SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) })))
        self.failureBudget = FailureBudget(perWindow: failuresPerWindow, window: .seconds(10))
    }

    /// The label of a request in events: the start of its store key, as plugins' log lines show it.
    static func label(_ authReqIdHash: String) -> Logger.MetadataValue {
        .stringConvertible(AuthReqId(rawValue: authReqIdHash))
    }

    /// The subject as events show it: its keyed hash (hex, 128 bits) or itself.
    func subjectValue(_ subject: String) -> (key: String, value: Logger.MetadataValue) {
        // A copy of the keyed state: the key's pads are hashed once, not per event.
        guard var hmac = subjectHMAC else { return ("subject", .string(subject)) }
        hmac.update(data: Data(subject.utf8))
        let mac = hmac.finalize()
        return ("subject_hmac", .string(Hex.encode(Array(mac.prefix(16)))))
    }

    /// An event's metadata: `details`, then what names the request. Built inside the logging call's
    /// autoclosure, so with the audit trail below the log level nothing is computed (the HMAC included).
    private func metadata(_ event: String, _ request: PendingRequest, _ details: Logger.Metadata = [:]) -> Logger.Metadata {
        var metadata = details
        metadata["event"] = .string(event)
        metadata["auth_req_id_sha256"] = Self.label(request.authReqIdHash)
        metadata["client_id"] = .string(request.clientId)
        metadata["authenticator"] = .string(request.authenticator)
        if let subject = request.subject {
            let (key, value) = subjectValue(subject)
            metadata[key] = value
        }
        // The types of what the user was asked to approve, never the values (amounts, accounts).
        if case .array(let entries)? = TokenIssuer.authorizationDetails(request.authorizationDetails) {
            let types = Set(entries.compactMap { $0.objectValue?["type"]?.stringValue })
            metadata["authorization_details_types"] = .string(types.sorted().joined(separator: " "))
        }
        return metadata
    }

    /// A request was accepted and its authenticator started.
    func started(_ request: PendingRequest) {
        logger.info(
            "backchannel authentication started",
            metadata: metadata(
                "request.started", request,
                ["acr": .string(request.acr), "expires_in": .stringConvertible(Int(request.expiresAt.timeIntervalSince(request.createdAt)))]))
    }

    /// A request concluded: approved, denied, failed or expired.
    func concluded(_ request: PendingRequest, as state: PendingRequestState, at now: Date) {
        logger.info(
            "backchannel authentication concluded",
            metadata: metadata(
                "request.concluded", request,
                [
                    "outcome": .string(StoredOutcome.name(of: state)),
                    "seconds_to_conclusion": .string(String(format: "%.3f", max(0, now.timeIntervalSince(request.createdAt)))),
                ]))
    }

    /// The client redeemed an approved request for tokens.
    func redeemed(_ request: PendingRequest) {
        logger.info("tokens issued", metadata: metadata("request.redeemed", request))
    }

    /// An operator cancelled a request.
    func cancelled(_ request: PendingRequest, by actor: String) {
        logger.info("backchannel authentication cancelled", metadata: metadata("request.cancelled", request, ["by": .string(actor)]))
    }

    /// An operator created, replaced or deleted a user of the `store` directory (`change`: `created`, `updated`,
    /// `deleted`), through `actor` (`admin-api`).
    public func userChanged(subject: String, change: String, by actor: String) {
        let (key, value) = subjectValue(subject)
        logger.info("a directory user was \(change)", metadata: ["event": .string("directory.user_\(change)"), key: value, "by": .string(actor)])
    }

    /// A spent refresh token was presented again: its family was revoked. Not rate-limited (a legitimate
    /// client never reuses one; each event is one stolen token's family ending).
    func refreshTokenReused(clientId: String, subject: String) {
        logger.warning("a spent refresh token was presented again; its family is revoked", metadata: {
            let (key, value) = subjectValue(subject)
            return ["event": "refresh_token.reused", "client_id": .string(clientId), key: value]
        }())
    }

    /// A client failed to authenticate. `clientId` is a registered client's id or `nil` (an unknown
    /// id is never written: it is whatever the caller typed).
    func clientAuthenticationFailed(endpoint: EngineMetrics.Endpoint, clientId: String?) {
        switch failureBudget.spend(clientId ?? "unknown", now: .now) {
        case .log(let suppressedBefore):
            var metadata: Logger.Metadata = [
                "event": "client.authentication_failed", "endpoint": .string(endpoint.rawValue), "client_id": .string(clientId ?? "unknown"),
            ]
            if suppressedBefore > 0 { metadata["not_logged_before"] = .stringConvertible(suppressedBefore) }
            logger.warning("client authentication failed", metadata: metadata)
        case .suppress:
            break
        }
    }
}

/// At most `perWindow` events each `window` per key (a client id, or `unknown`); the count of those dropped
/// rides on the next one logged for that key. Per key, so one client's flood of failures never hides
/// another's. Keys are registered client ids and `unknown` only, never caller text, so they are bounded.
final class FailureBudget: Sendable {
    enum Decision: Equatable {
        case log(suppressedBefore: Int)
        case suppress
    }

    private struct Window {
        var start: ContinuousClock.Instant
        var spent = 0
        var suppressed = 0
    }

    private let perWindow: Int
    private let window: Duration
    private let windows = Mutex<[String: Window]>([:])

    init(perWindow: Int, window: Duration) {
        self.perWindow = perWindow
        self.window = window
    }

    func spend(_ key: String = "", now: ContinuousClock.Instant) -> Decision {
        windows.withLock { windows in
            var current = windows[key] ?? Window(start: now)
            if now - current.start >= window {
                current.start = now
                current.spent = 0
            }
            defer { windows[key] = current }
            guard current.spent < perWindow else {
                current.suppressed += 1
                return .suppress
            }
            current.spent += 1
            defer { current.suppressed = 0 }
            return .log(suppressedBefore: current.suppressed)
        }
    }
}
