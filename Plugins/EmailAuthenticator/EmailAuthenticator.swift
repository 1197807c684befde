import BackchannelCore
import Foundation
import Mustache
import Synchronization

/// Authenticates a user by e-mail: the mail names the client, the scopes and the binding message and
/// links to the paired page, where the user approves or denies.
///
/// The link carries its own token (128 bits of CSPRNG output), not the request's identity; it is bound to
/// one request, works once, and expires with the request.
public final class EmailAuthenticator: BackchannelAuthenticationHandler, BatchCancelling, ReadinessReporting, RequestScopedRecords {
    /// The back-channel descriptor, registered as `"email"` and linked to ``pageDescriptor``.
    public static let descriptor = BackChannelPluginDescriptor(
        registryName: "email", configuration: EmailConfiguration.self, frontChannelName: "email"
    ) { configuration, services in
        try EmailAuthenticator(configuration: configuration, services: services)
    }

    /// The front-channel descriptor: the page the mail links to.
    public static let pageDescriptor = FrontChannelPluginDescriptor(
        registryName: "email", configuration: NoConfiguration.self, handler: EmailAuthenticator.self
    ) { _, handler, services in
        try EmailLinkPage(authenticator: handler, services: services)
    }

    static let namespace = "email"
    private static let retention: TimeInterval = 60

    let configuration: EmailConfiguration
    let services: BackchannelHostServices
    private let client: SMTPClient
    private let mailTemplate: MustacheTemplate
    /// The last probe of the relay and when it ran: a readiness probe every second costs one SMTP
    /// connection per ``readinessInterval`` at most.
    private let lastProbe = Mutex<(at: Date, readiness: PluginReadiness)?>(nil)
    static let readinessInterval: TimeInterval = 10
    private let records: PluginStateSlot<EmailRecord>

    /// Creates the authenticator.
    public init(configuration: EmailConfiguration, services: BackchannelHostServices) throws {
        self.configuration = configuration
        self.services = services
        self.records = PluginStateSlot(store: services.stateStore, namespace: Self.namespace)
        self.client = SMTPClient(configuration: configuration.smtp)
        self.mailTemplate = try MustacheTemplate(string: EmailTemplates.mail)
    }

    public func startAuthentication(_ request: BackchannelAuthenticationRequest) async throws -> BackchannelStartAuthenticationResult {
        let authReqId = request.authReqId
        guard let user = try await services.userDirectory.user(for: request.hint) else { return .failed(.unknownUserId) }
        guard let email = user.email, email.contains("@"), !email.contains(where: { $0.isNewline || $0 == "<" || $0 == ">" }) else {
            return .failed(.unknownUserId, description: "the user has no e-mail address")
        }
        // The token is in the mail only; the store keeps its SHA-256, which opens nothing by itself, as the
        // group of the request's record: one record, one life cycle, found by the page through it.
        let link = LinkSecret(random: services.random)
        let now = services.clock.now
        let code = configuration.requireCode ? OneTimeCode.digits(6, random: services.random) : nil
        let salt = Hex.encode(services.random.bytes(count: 16))
        let record = EmailRecord(
            authReqId: authReqId.rawValue, subject: user.subject, clientName: request.clientName ?? request.clientId, scopes: request.scopes,
            bindingMessage: request.bindingMessage,
            codeHash: code.map { EmailSecrets.codeHash($0, salt: salt) }, codeSalt: code == nil ? nil : salt,
            expiresAt: request.expiresAt, authorizationDetails: request.authorizationDetails.isEmpty ? nil : request.authorizationDetails)
        let expiry = request.expiresAt.addingTimeInterval(Self.retention)
        guard try await records.insert(record, key: authReqId.rawValue, group: link.hash, createdAt: now, expiresAt: expiry) else {
            throw BackchannelHandlerError.duplicateAuthReqId(authReqId)
        }

        let message = mail(record, linkToken: link.token, code: code, to: email)
        // Retried while the relay is down, within the window and never past the request's expiry.
        let giveUpAt = min(now.addingTimeInterval(TimeInterval(configuration.retryWindowSeconds)), request.expiresAt)
        await services.background.run("e-mail delivery") { [client, services, configuration, records] in
            var delay = Double(configuration.retryDelayMs) / 1000
            while true {
                do {
                    try await services.outboundCalls.record("SMTP", peer: "smtp_relay") { try await client.send(message) }
                    services.deliveries.record(.sent)
                    services.logger.debug("authentication mail sent", metadata: ["auth_req_id_sha256": "\(authReqId)"])
                    return
                } catch {
                    let retryAt = services.clock.now.addingTimeInterval(delay)
                    guard (error as? SMTPError)?.isTransient == true, retryAt < giveUpAt, !Task.isCancelled else {
                        services.deliveries.record(.failed)
                        throw error
                    }
                    services.deliveries.record(.retried)
                    services.logger.notice("authentication mail deferred; retrying", metadata: ["auth_req_id_sha256": "\(authReqId)", "error": "\(error)"])
                    // Cancelled at shutdown: the request fails rather than wait for no one.
                    try await services.clock.sleep(until: retryAt)
                    delay *= 2
                    // A request that expired, was cancelled or concluded meanwhile needs no mail.
                    guard let current = try? await records.load(authReqId.rawValue)?.value, current.conclusion == nil else { return }
                }
            }
        } ifFailed: { [records, services] error in
            // Run by the host after the delivery failed or was cancelled at shutdown.
            services.logger.warning("authentication mail failed", metadata: ["auth_req_id_sha256": "\(authReqId)", "error": "\(error)"])
            let failure = RecordedConclusion(.failed, at: services.clock.now, reason: "the e-mail could not be delivered")
            _ = try? await records.conclude(authReqId, with: failure, reportingTo: services.completionSink)
        }
        return .started
    }

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

    /// Ready while the SMTP relay accepts a connection and greets within a second (checked at most every
    /// ten seconds): a relay that refuses connections would fail every mail.
    public func readiness() async -> PluginReadiness {
        let now = services.clock.now
        if let last = lastProbe.withLock({ $0 }), now.timeIntervalSince(last.at) < Self.readinessInterval { return last.readiness }
        let readiness: PluginReadiness
        do {
            try await client.probe(timeoutSeconds: 1)
            readiness = .ready
        } catch {
            readiness = .notReady("the SMTP relay \(configuration.smtp.host):\(configuration.smtp.port) does not answer: \(error)")
        }
        lastProbe.withLock { $0 = (now, readiness) }
        return readiness
    }

    // MARK: Used by the page

    /// The pending request a link token opens, unless it was answered, expired or never existed. The link
    /// dies with the request: the record outlives it by its retention, for the status check only.
    func pending(linkToken: String) async throws -> EmailRecord? {
        try await pendingRecord(linkToken)?.value
    }

    private func pendingRecord(_ linkToken: String) async throws -> PluginStateSlot<EmailRecord>.Loaded? {
        guard !linkToken.isEmpty, let found = try await records.load(group: LinkSecret.hash(of: linkToken)).first,
            found.value.conclusion == nil, found.value.expiresAt > services.clock.now
        else { return nil }
        return found
    }

    /// What answering on the page did.
    enum Answer: Equatable {
        case recorded
        case wrongCode(attemptsLeft: Int)
        case failed
        case gone
    }

    /// Records the user's answer, which spends the link: a concluded record opens nothing, and of two racing
    /// answers only one concludes. When a code is required, approving needs it; a wrong code costs an attempt
    /// and leaves the link usable until the attempts run out.
    func answer(linkToken: String, approve: Bool, code: String?) async throws -> Answer {
        guard let found = try await pendingRecord(linkToken) else { return .gone }
        let (id, record) = (found.record.key, found.value)
        let authReqId = AuthReqId(rawValue: id)
        if approve, let expected = record.codeHash,
            !ConstantTime.equals(expected, EmailSecrets.codeHash(code ?? "", salt: record.codeSalt ?? ""))
        {
            let maxAttempts = configuration.maxAttempts
            let counted = try await records.update(id) { current in
                guard current.conclusion == nil else { return nil }
                var updated = current
                updated.attempts += 1
                return updated
            }
            guard let counted else { return .gone }
            guard counted.attempts >= maxAttempts else { return .wrongCode(attemptsLeft: maxAttempts - counted.attempts) }
            return try await conclude(authReqId, RecordedConclusion(.failed, at: services.clock.now, reason: "too many wrong codes")) ? .failed : .gone
        }
        let now = services.clock.now
        let concluded = try await conclude(
            authReqId, approve ? RecordedConclusion(.approved, at: now) : RecordedConclusion(.denied, at: now, reason: "the user refused in the e-mail"))
        return concluded ? .recorded : .gone
    }

    // MARK: Internals

    private func mail(_ record: EmailRecord, linkToken: String, code: String?, to address: String) -> MailMessage {
        let link = services.frontChannelBaseURL.absoluteString + "?token=" + linkToken
        let details = record.authorizationDetails ?? .none
        var text = details.isEmpty ? "\(record.clientName) asks you to sign in.\n\n" : "\(record.clientName) asks you to approve:\n\n"
        for entry in details.entries {
            text += entry.summary + "\n" + entry.fieldLines.map { "  \($0.name): \($0.value)\n" }.joined() + "\n"
        }
        if let binding = record.bindingMessage { text += "Check that it shows: \(binding)\n\n" }
        text += "Access requested: \(record.scopes.joined(separator: " "))\n\nApprove or deny here: \(link)\n\n"
        if let code { text += "The page will ask for this code: \(code)\n\n" }
        text += "If you did not expect this, ignore this message: nothing happens unless you approve."
        let html = mailTemplate.render([
            "client": record.clientName, "scopes": record.scopes.joined(separator: " "), "bindingMessage": record.bindingMessage ?? "",
            "hasBindingMessage": record.bindingMessage != nil, "link": link, "code": code ?? "", "hasCode": code != nil,
            "authorizationDetails": details.templateContext, "approve": !details.isEmpty,
        ] as [String: Any])
        let domain = configuration.from.split(separator: "@").last.map(String.init) ?? "backchannel"
        return MailMessage(
            from: .init(address: configuration.from, name: configuration.fromName), to: .init(address: address), subject: configuration.subject,
            // Message-ID and MIME boundary draw their own randomness: nothing in the headers says anything of the link.
            text: text, html: html,
            messageId: "\(Hex.encode(services.random.bytes(count: 12))).\(Int(services.clock.now.timeIntervalSince1970))@\(domain)",
            date: services.clock.now, boundary: "=_backchannel_" + Hex.encode(services.random.bytes(count: 12)))
    }

    private func conclude(_ authReqId: AuthReqId, _ conclusion: RecordedConclusion) async throws -> Bool {
        try await records.conclude(authReqId, with: conclusion, reportingTo: services.completionSink) != nil
    }
}
