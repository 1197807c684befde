import BackchannelCore
import Crypto
import Foundation

/// The configuration, from the `configuration:` block of a `messaging` authenticator.
public struct MessagingConfiguration: Decodable, Sendable {
    /// `api_url`: the provider's send-message endpoint (https, or http to loopback).
    public var apiUrl: String
    /// `webhook_secret_file`: the file holding the secret the provider signs its webhooks with.
    public var webhookSecretFile: String

    /// A configuration.
    public init(apiUrl: String, webhookSecretFile: String) {
        self.apiUrl = apiUrl
        self.webhookSecretFile = webhookSecretFile
    }
}

/// One request, in the host's plugin-state store; grouped by the reply that answers it (the user's number
/// and the request's reply code), which is how the webhook finds it.
struct MessagingRecord: ConcludableRecord {
    var subject: String
    var conclusion: RecordedConclusion?

    var result: BackchannelAuthenticationResult? { conclusion?.result(subject: subject, amr: ["user"]) }
}

/// A messaging-app authenticator (the DocC tutorial's): it sends the user a message through the provider's
/// API (the host's HTTP client), and the user answers `YES 1234` or `NO 1234` in the app; the provider
/// delivers the reply to a webhook, a machine route whose signature the plugin checks over the raw body.
public final class MessagingAuthenticator: BackchannelAuthenticationHandler {
    /// The back-channel half, registered as `messaging` and linked to the webhook.
    public static let descriptor = BackChannelPluginDescriptor(
        registryName: "messaging", configuration: MessagingConfiguration.self, frontChannelName: "messaging"
    ) { configuration, services in
        try MessagingAuthenticator(configuration: configuration, services: services)
    }

    /// The front-channel half: the provider's webhook at `/authn/<name>/api/inbound`.
    public static let webhookDescriptor = FrontChannelPluginDescriptor(
        registryName: "messaging", configuration: NoConfiguration.self, handler: MessagingAuthenticator.self
    ) { _, handler, _ in
        MessagingWebhook(authenticator: handler)
    }

    let services: BackchannelHostServices
    let apiURL: URL
    let webhookSecret: SymmetricKey
    let records: PluginStateSlot<MessagingRecord>

    /// Creates the authenticator; the secret's file must be readable now, so a missing one fails at start-up.
    public init(configuration: MessagingConfiguration, services: BackchannelHostServices) throws {
        guard let url = URL(string: configuration.apiUrl), url.scheme != nil else {
            throw ConfigurationError(path: "api_url", reason: "is not an absolute URL")
        }
        let secret = try Data(contentsOf: URL(fileURLWithPath: configuration.webhookSecretFile))
        guard secret.count >= 16 else { throw ConfigurationError(path: "webhook_secret_file", reason: "holds fewer than 16 bytes") }
        self.services = services
        self.apiURL = url
        self.webhookSecret = SymmetricKey(data: secret)
        self.records = PluginStateSlot(store: services.stateStore, namespace: "messaging")
    }

    /// The group of the request a reply answers.
    static func replyGroup(phone: String, code: String) -> String { "\(phone) \(code)" }

    public func startAuthentication(_ request: BackchannelAuthenticationRequest) async throws -> BackchannelStartAuthenticationResult {
        guard let user = try await services.userDirectory.user(for: request.hint), let phone = user.phoneNumber else {
            return .failed(.unknownUserId)
        }
        let code = OneTimeCode.digits(4, random: services.random)
        let inserted = try await records.insert(
            MessagingRecord(subject: user.subject), key: request.authReqId.rawValue, group: Self.replyGroup(phone: phone, code: code),
            createdAt: services.clock.now, expiresAt: request.expiresAt)
        guard inserted else { throw BackchannelHandlerError.duplicateAuthReqId(request.authReqId) }
        var text = "\(request.clientName ?? request.clientId) asks you to sign in."
        if let binding = request.bindingMessage { text += " Check it shows: \(binding)." }
        text += " Reply YES \(code) to approve or NO \(code) to refuse."
        var message = OutboundHTTPRequest(method: "POST", url: apiURL)
        try message.setJSONBody(["to": phone, "text": text])
        let authReqId = request.authReqId
        await services.background.run("message delivery") { [services, message] in
            let answer = try await services.http.send(message, maxResponseBytes: 16 * 1024)
            guard (200..<300).contains(answer.status) else { throw OutboundHTTPError(code: OutboundHTTPError.Code(name: "status_\(answer.status)")) }
            services.deliveries.record(.sent)
        } ifFailed: { [records, services] error in
            services.deliveries.record(.failed)
            services.logger.warning("the message could not be sent", metadata: ["error": "\(error)"])
            let failure = RecordedConclusion(.failed, at: services.clock.now, reason: "the message could not be sent")
            _ = try? await records.conclude(authReqId, with: failure, reportingTo: services.completionSink, leavingGroup: true)
        }
        return .started
    }

    public func checkAuthenticationStatus(authReqId: AuthReqId) async throws -> BackchannelAuthenticationResult? {
        try await records.load(authReqId.rawValue)?.value.result
    }

    public func cancelAuthenticationRequest(authReqId: AuthReqId) async throws {
        try await services.stateStore.delete(namespace: records.namespace, key: authReqId.rawValue)
    }
}
