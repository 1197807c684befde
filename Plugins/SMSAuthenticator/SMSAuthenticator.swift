import BackchannelCore
import Foundation

/// Authenticates a user with a one-time code sent by SMS through an HTTP gateway; the user types the
/// code on the paired page, whose link the message carries.
///
/// Delivery runs after the request is accepted, with retries; when it finally fails the request
/// concludes as failed at once, so the client learns it at its next poll instead of waiting for expiry.
/// A user without a phone number is `unknown_user_id` at request time.
public final class SMSAuthenticator: BackchannelAuthenticationHandler, BatchCancelling, RequestScopedRecords {
    /// The back-channel descriptor, registered as `"sms"` and linked to ``pageDescriptor``.
    public static let descriptor = BackChannelPluginDescriptor(
        registryName: "sms", configuration: SMSConfiguration.self, frontChannelName: "sms"
    ) { configuration, services in
        SMSAuthenticator(configuration: configuration, services: services)
    }

    /// The front-channel descriptor: the page where the user enters the code.
    public static let pageDescriptor = FrontChannelPluginDescriptor(
        registryName: "sms", configuration: NoConfiguration.self, handler: SMSAuthenticator.self
    ) { _, handler, services in
        try SMSCodePage(authenticator: handler, services: services)
    }

    static let namespace = "sms"
    /// Per-user counts of wrong codes.
    static let failureNamespace = "sms-failures"
    private static let retention: TimeInterval = 60

    let configuration: SMSConfiguration
    let services: BackchannelHostServices
    private let gateway: SMSGateway
    private let records: PluginStateSlot<SMSRecord>

    /// Creates the authenticator.
    /// - Parameters:
    ///   - configuration: The gateway and the message settings.
    ///   - services: The host's services; the gateway is called through ``BackchannelHostServices/http``.
    public init(configuration: SMSConfiguration, services: BackchannelHostServices) {
        self.configuration = configuration
        self.services = services
        self.records = PluginStateSlot(store: services.stateStore, namespace: Self.namespace)
        self.gateway = SMSGateway(configuration: configuration, http: services.http, clock: services.clock, deliveries: services.deliveries)
    }

    public func startAuthentication(_ request: BackchannelAuthenticationRequest) async throws -> BackchannelStartAuthenticationResult {
        let authReqId = request.authReqId
        guard let user = try await services.userDirectory.user(for: request.hint) else { return .failed(.unknownUserId) }
        guard let phone = user.phoneNumber, !phone.isEmpty else {
            return .failed(.unknownUserId, description: "the user has no phone number for SMS")
        }
        let code = OneTimeCode.digits(configuration.codeLength, random: services.random)
        // The page is reached by a secret only the SMS carries: the client knows the request's identity
        // (its hash is computable from the auth_req_id), so a page keyed by it would let the client in. The
        // record is grouped by the secret's hash: one record, one life cycle, found by the page through it.
        let link = LinkSecret(random: services.random)
        let salt = Hex.encode(services.random.bytes(count: 16))
        let now = services.clock.now
        let record = SMSRecord(
            authReqId: authReqId.rawValue, subject: user.subject, clientName: request.clientName ?? request.clientId, scopes: request.scopes,
            bindingMessage: request.bindingMessage, codeHash: SMSSecrets.codeHash(code, salt: salt), codeSalt: salt,
            attempts: 0, expiresAt: request.expiresAt,
            authorizationDetails: request.authorizationDetails.isEmpty ? nil : request.authorizationDetails)
        let inserted = try await records.insert(
            record, key: authReqId.rawValue, group: link.hash, createdAt: now, expiresAt: request.expiresAt.addingTimeInterval(Self.retention))
        guard inserted else { throw BackchannelHandlerError.duplicateAuthReqId(authReqId) }

        let pageLink = services.frontChannelBaseURL.absoluteString + "?request=" + link.token
        var text = "\(record.clientName) asks you to sign in."
        // What is approved, within the message's budget; the page shows all of it before the code is entered.
        if !request.authorizationDetails.isEmpty {
            text = "\(record.clientName) asks you to approve: \(request.authorizationDetails.shortSummary(budget: Self.summaryBudget))."
        }
        if let binding = request.bindingMessage { text += " Check it shows: \(binding)." }
        text += " Your code: \(code). \(request.authorizationDetails.isEmpty ? "Enter it at" : "Review all and enter it at") \(pageLink)"
        await services.background.run("SMS delivery") { [gateway, services, text] in
            try await gateway.send(to: phone, text: text)
            services.logger.debug("SMS sent", metadata: ["auth_req_id_sha256": "\(authReqId)"])
        } ifFailed: { [records, services] error in
            // Run by the host after the delivery failed or was cancelled at shutdown.
            services.logger.warning("SMS delivery failed", metadata: ["auth_req_id_sha256": "\(authReqId)", "error": "\(error)"])
            let failure = RecordedConclusion(.failed, at: services.clock.now, reason: "the text message could not be delivered")
            _ = try? await records.conclude(authReqId, with: failure, reportingTo: services.completionSink)
        }
        return .started
    }

    /// The most characters of what is approved that a text message carries (the page shows the rest).
    static let summaryBudget = 100

    public func checkAuthenticationStatus(authReqId: AuthReqId) async throws -> BackchannelAuthenticationResult? {
        try await records.load(authReqId.rawValue)?.value.result
    }

    public func cancelAuthenticationRequest(authReqId: AuthReqId) async throws {
        // The link goes with the record: it is only the record's group.
        try await services.stateStore.delete(namespace: Self.namespace, key: authReqId.rawValue)
    }

    /// A request's state is its record alone (its link is the record's group): a redemption deletes it with the request.
    public var requestRecordNamespaces: [String] { [Self.namespace] }

    public func cancelAuthenticationRequests(_ authReqIds: [AuthReqId]) async throws {
        try await services.stateStore.delete(namespace: Self.namespace, keys: authReqIds.map(\.rawValue))
    }

    // MARK: Used by the page

    /// The request a page link's token opens, waiting for its code, if any.
    /// The link dies with the request: the record outlives it by its retention, for the status check only.
    func pending(linkToken: String) async throws -> SMSRecord? {
        guard !linkToken.isEmpty, let record = try await records.load(group: LinkSecret.hash(of: linkToken)).first?.value,
            record.conclusion == nil, record.expiresAt > services.clock.now
        else { return nil }
        return record
    }

    /// What entering a code did.
    enum Verification: Equatable {
        case approved
        case wrong(attemptsLeft: Int)
        case failed
        case gone
    }

    /// Checks the code for the request a link opens, comparing hashes in constant time. The last allowed
    /// wrong code fails the authentication, and so does any code once the user has had too many wrong
    /// codes across their requests.
    func verify(linkToken: String, code: String) async throws -> Verification {
        let now = services.clock.now
        guard let record = try await pending(linkToken: linkToken) else { return .gone }
        let authReqId = AuthReqId(rawValue: record.authReqId)
        if try await subjectLocked(record.subject, now: now) {
            let failed = try await records.conclude(
                authReqId, with: RecordedConclusion(.failed, at: now, reason: "too many wrong codes"), reportingTo: services.completionSink)
            return failed == nil ? .gone : .failed
        }
        if ConstantTime.equals(record.codeHash, SMSSecrets.codeHash(code, salt: record.codeSalt)) {
            let approved = try await records.conclude(authReqId, with: RecordedConclusion(.approved, at: now), reportingTo: services.completionSink)
            return approved == nil ? .gone : .approved
        }
        try await countFailure(record.subject, now: now)
        let counted = try await records.update(authReqId.rawValue) { record in
            guard record.conclusion == nil else { return nil }
            var counted = record
            counted.attempts += 1
            return counted
        }
        guard let counted else { return .gone }
        guard counted.attempts >= configuration.maxAttempts else { return .wrong(attemptsLeft: configuration.maxAttempts - counted.attempts) }
        let failed = try await records.conclude(
            authReqId, with: RecordedConclusion(.failed, at: now, reason: "too many wrong codes"), reportingTo: services.completionSink)
        return failed == nil ? .gone : .failed
    }

    private var failures: PluginStateSlot<SMSSubjectFailures> {
        PluginStateSlot(store: services.stateStore, namespace: Self.failureNamespace)
    }

    /// Whether the user has had too many wrong codes within the window.
    private func subjectLocked(_ subject: String, now: Date) async throws -> Bool {
        guard let current = try await failures.load(subject)?.value else { return false }
        return now < current.windowStart.addingTimeInterval(TimeInterval(configuration.failureWindowSeconds))
            && current.count >= configuration.maxFailuresPerSubject
    }

    /// Counts one wrong code against the user: a new window starts when the last one is over.
    private func countFailure(_ subject: String, now: Date) async throws {
        let window = TimeInterval(configuration.failureWindowSeconds)
        let fresh = SMSSubjectFailures(count: 1, windowStart: now)
        if try await failures.insert(fresh, key: subject, createdAt: now, expiresAt: now.addingTimeInterval(window)) { return }
        _ = try await failures.update(subject) { current in
            now >= current.windowStart.addingTimeInterval(window)
                ? fresh : SMSSubjectFailures(count: current.count + 1, windowStart: current.windowStart)
        }
    }
}
