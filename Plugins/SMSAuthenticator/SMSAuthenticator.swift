import AsyncHTTPClient
import BackchannelCore
import Foundation

/// Authenticates a user with a one-time code sent by SMS through an HTTP gateway; the user types the
/// code on the paired page, whose link the message carries.
///
/// Delivery runs after the request is accepted, with retries; when it finally fails the request
/// concludes as failed at once, so the client learns it at its next poll instead of waiting for expiry.
/// A user without a phone number is `unknown_user_id` at request time.
public final class SMSAuthenticator: BackchannelAuthenticationHandler {
    /// The back-channel descriptor, registered as `"sms"` and linked to ``pageDescriptor``.
    public static let descriptor = BackchannelAuthenticatorPluginDescriptor(
        registryName: "sms", configuration: SMSConfiguration.self, frontChannelName: "sms"
    ) { configuration, services in
        SMSAuthenticator(configuration: configuration, services: services)
    }

    /// The front-channel descriptor: the page where the user enters the code.
    public static let pageDescriptor = AuthenticatorPluginDescriptor(
        registryName: "sms", configuration: NoConfiguration.self, handler: SMSAuthenticator.self,
        summary: "A page showing the client, scopes and binding message, where the user enters the code from the SMS."
    ) { _, handler, services in
        try SMSCodePage(authenticator: handler, services: services)
    }

    static let namespace = "sms"
    private static let retention: TimeInterval = 60

    let configuration: SMSConfiguration
    let services: BackchannelHostServices
    private let gateway: SMSGateway
    private var records: PluginStateSlot<SMSRecord> { PluginStateSlot(store: services.stateStore, namespace: Self.namespace) }

    /// Creates the authenticator.
    /// - Parameter httpClient: The client for the gateway; the shared one by default.
    public init(configuration: SMSConfiguration, services: BackchannelHostServices, httpClient: HTTPClient = .shared) {
        self.configuration = configuration
        self.services = services
        self.gateway = SMSGateway(configuration: configuration, httpClient: httpClient, clock: services.clock)
    }

    public func startAuthentication(
        authReqId: AuthReqId, request: BackchannelAuthenticationRequest
    ) async throws -> BackchannelStartAuthenticationResult {
        guard authReqId == request.authReqId else { throw BackchannelHandlerError.mismatchedAuthReqId }
        guard let user = try await services.userDirectory.user(for: request.hint) else { return .failed(.unknownUserId) }
        guard let phone = user.phoneNumber, !phone.isEmpty else {
            return .failed(.unknownUserId, description: "the user has no phone number for SMS")
        }
        let code = (0..<configuration.codeLength).map { _ in String(services.random.integer(below: 10)) }.joined()
        let record = SMSRecord(
            authReqId: authReqId.rawValue, subject: user.subject, clientName: request.clientName ?? request.clientId, scopes: request.scopes,
            bindingMessage: request.bindingMessage, code: code, attempts: 0, expiresAt: request.expiresAt)
        let inserted = try await records.insert(
            record, key: authReqId.rawValue, createdAt: services.clock.now, expiresAt: request.expiresAt.addingTimeInterval(Self.retention))
        guard inserted else { throw BackchannelHandlerError.duplicateAuthReqId(authReqId) }

        let link = services.frontChannelBaseURL.absoluteString + "?request=" + authReqId.rawValue
        var text = "\(record.clientName) asks you to sign in."
        if let binding = request.bindingMessage { text += " Check it shows: \(binding)." }
        text += " Your code: \(code). Enter it at \(link)"
        Task { [gateway, services] in
            do {
                try await gateway.send(to: phone, text: text)
                services.logger.debug("SMS sent", metadata: ["auth_req_id": "\(authReqId)"])
            } catch {
                services.logger.warning("SMS delivery failed", metadata: ["auth_req_id": "\(authReqId)", "error": "\(error)"])
                let failure = RecordedConclusion(.failed, at: services.clock.now, reason: "the text message could not be delivered")
                _ = try? await self.records.conclude(authReqId, with: failure, reportingTo: services.completionSink)
            }
        }
        return .started
    }

    public func checkAuthenticationStatus(authReqId: AuthReqId) async throws -> BackchannelAuthenticationResult? {
        try await records.load(authReqId.rawValue)?.value.result
    }

    public func cancelAuthenticationRequest(authReqId: AuthReqId) async throws {
        try await services.stateStore.delete(namespace: Self.namespace, key: authReqId.rawValue)
    }

    // MARK: Used by the page

    /// The request waiting for its code, if any.
    func pending(_ authReqId: AuthReqId) async throws -> SMSRecord? {
        guard let record = try await records.load(authReqId.rawValue)?.value, record.conclusion == nil else { return nil }
        return record
    }

    /// What entering a code did.
    enum Verification: Equatable {
        case approved
        case wrong(attemptsLeft: Int)
        case failed
        case gone
    }

    /// Checks a code in constant time; the last allowed wrong code fails the authentication.
    func verify(_ authReqId: AuthReqId, code: String) async throws -> Verification {
        let now = services.clock.now
        guard let record = try await pending(authReqId) else { return .gone }
        if DoubleSubmitToken.constantTimeEquals(record.code, code) {
            let approved = try await records.conclude(authReqId, with: RecordedConclusion(.approved, at: now), reportingTo: services.completionSink)
            return approved == nil ? .gone : .approved
        }
        let counted = try await records.update(authReqId.rawValue) { record in
            guard record.conclusion == nil else { return nil }
            var counted = record
            counted.attempts += 1
            return (counted, nil)
        }
        guard let counted else { return .gone }
        guard counted.attempts >= configuration.maxAttempts else { return .wrong(attemptsLeft: configuration.maxAttempts - counted.attempts) }
        let failed = try await records.conclude(
            authReqId, with: RecordedConclusion(.failed, at: now, reason: "too many wrong codes"), reportingTo: services.completionSink)
        return failed == nil ? .gone : .failed
    }
}
