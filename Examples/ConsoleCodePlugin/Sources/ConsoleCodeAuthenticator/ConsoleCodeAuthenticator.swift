import BackchannelCore
import Foundation

/// The configuration, from the `configuration:` block of a `console-code` authenticator
/// (snake_case keys in the file: `code_length`, `max_attempts`).
public struct ConsoleCodeConfiguration: Decodable, Sendable {
    /// Digits in each one-time code.
    public var codeLength: Int
    /// Wrong entries allowed before the authentication fails.
    public var maxAttempts: Int

    /// Creates a configuration.
    public init(codeLength: Int = 6, maxAttempts: Int = 3) {
        self.codeLength = codeLength
        self.maxAttempts = maxAttempts
    }
}

/// What the plugin keeps of one request, in the host's plugin-state store: durable, and seen by every
/// server process, so the page works on whichever node the user reaches.
struct ConsoleCodeRecord: ConcludableRecord {
    var subject: String
    var clientName: String
    var bindingMessage: String?
    var code: String
    var attempts = 0
    var conclusion: RecordedConclusion?

    var result: BackchannelAuthenticationResult? { conclusion?.result(subject: subject, amr: ["otp"]) }
}

/// An example authenticator: it "delivers" a one-time code and a link to its page by writing them to the
/// server's log (where a real plugin would send a text message), and the user types the code on the page.
public final class ConsoleCodeAuthenticator: BackchannelAuthenticationHandler {
    /// The back-channel half, registered as `console-code` and linked to the page.
    public static let descriptor = BackChannelPluginDescriptor(
        registryName: "console-code", configuration: ConsoleCodeConfiguration.self, frontChannelName: "console-code"
    ) { configuration, services in
        ConsoleCodeAuthenticator(configuration: configuration, services: services)
    }

    /// The front-channel half: the page where the user enters the code.
    public static let pageDescriptor = FrontChannelPluginDescriptor(
        registryName: "console-code", configuration: NoConfiguration.self, handler: ConsoleCodeAuthenticator.self
    ) { _, handler, services in
        ConsoleCodePage(authenticator: handler, services: services)
    }

    let configuration: ConsoleCodeConfiguration
    let services: BackchannelHostServices
    /// Keyed by the request; grouped by its link's hash, which is how the page finds it.
    let records: PluginStateSlot<ConsoleCodeRecord>

    /// Creates the authenticator.
    public init(configuration: ConsoleCodeConfiguration, services: BackchannelHostServices) {
        self.configuration = configuration
        self.services = services
        self.records = PluginStateSlot(store: services.stateStore, namespace: "console-code")
    }

    public func startAuthentication(_ request: BackchannelAuthenticationRequest) async throws -> BackchannelStartAuthenticationResult {
        guard let user = try await services.userDirectory.user(for: request.hint) else { return .failed(.unknownUserId) }
        let code = OneTimeCode.digits(configuration.codeLength, random: services.random)
        // The page is reached with a secret only the user is sent, never the request's identity (which the
        // client can compute); the store keeps only its hash.
        let link = LinkSecret(random: services.random)
        let record = ConsoleCodeRecord(
            subject: user.subject, clientName: request.clientName ?? request.clientId, bindingMessage: request.bindingMessage, code: code)
        let inserted = try await records.insert(
            record, key: request.authReqId.rawValue, group: link.hash, createdAt: services.clock.now, expiresAt: request.expiresAt)
        guard inserted else { throw BackchannelHandlerError.duplicateAuthReqId(request.authReqId) }
        services.logger.notice("one-time code for \(user.subject): \(code); enter it at \(services.frontChannelBaseURL.absoluteString)?link=\(link.token)")
        return .started
    }

    public func checkAuthenticationStatus(authReqId: AuthReqId) async throws -> BackchannelAuthenticationResult? {
        try await records.load(authReqId.rawValue)?.value.result
    }

    public func cancelAuthenticationRequest(authReqId: AuthReqId) async throws {
        try await services.stateStore.delete(namespace: records.namespace, key: authReqId.rawValue)
    }

    /// The pending request a link opens, if any.
    func pending(link token: String) async throws -> (authReqId: AuthReqId, record: PluginStateSlot<ConsoleCodeRecord>.Loaded)? {
        guard let found = try await records.load(group: LinkSecret.hash(of: token)).first, found.value.conclusion == nil else { return nil }
        return (AuthReqId(rawValue: found.record.key), found)
    }

    /// Checks a code the user typed; the last allowed wrong entry fails the authentication. A conclusion
    /// takes the record out of its link's group, so the link opens nothing any more.
    /// - Returns: the conclusion, or `nil` when the request still waits for a code.
    func verify(_ authReqId: AuthReqId, _ loaded: PluginStateSlot<ConsoleCodeRecord>.Loaded, code: String) async throws -> BackchannelAuthenticationResult? {
        let now = services.clock.now
        if ConstantTime.equals(loaded.value.code, code) {
            let concluded = try await records.conclude(
                authReqId, with: RecordedConclusion(.approved, at: now), reportingTo: services.completionSink, leavingGroup: true, from: loaded)
            return concluded?.result
        }
        let counted = try await records.update(authReqId.rawValue, from: loaded) { record in
            var counted = record
            counted.attempts += 1
            return record.conclusion == nil ? counted : nil
        }
        guard let counted, counted.attempts >= configuration.maxAttempts else { return nil }
        let failed = try await records.conclude(
            authReqId, with: RecordedConclusion(.failed, at: now, reason: "too many wrong codes"), reportingTo: services.completionSink,
            leavingGroup: true)
        return failed?.result
    }
}

/// The page: the client's name and the binding message (escaped: the client chose them), and a form for
/// the code, protected against cross-site posts by a double-submit token; it looks like the built-in pages.
struct ConsoleCodePage: FrontChannelInteraction {
    let authenticator: ConsoleCodeAuthenticator
    let services: BackchannelHostServices

    func respond(to request: FrontChannelRequest) async -> FrontChannelResponse {
        let csrf = DoubleSubmitToken(cookieName: "console_code_csrf", path: services.frontChannelBasePath)
        let token = request.queryValue("link") ?? request.formValue("link") ?? ""
        do {
            guard let (authReqId, loaded) = try await authenticator.pending(link: token) else {
                return .html(Self.page("<p>This link has expired or was already used.</p>"), status: 404)
            }
            if request.method == .post {
                guard csrf.verify(request) else { return .text("The form has expired. Open the link again.", status: 403) }
                switch try await authenticator.verify(authReqId, loaded, code: request.formValue("code") ?? "") {
                case .approved: return .html(Self.page(#"<p class="notice">Approved. You may close this page.</p>"#))
                case .some: return .html(Self.page("<p>Too many wrong codes. The request has failed.</p>"), status: 403)
                case nil: break
                }
            }
            let (csrfToken, setCookie) = csrf.token(for: request, random: services.random)
            var answer = FrontChannelResponse.html(
                form(loaded.value, link: token, csrf: csrfToken, wrong: request.method == .post), status: request.method == .post ? 400 : 200)
            if let setCookie { answer.headers["Set-Cookie"] = setCookie }
            return answer
        } catch {
            services.logger.error("the console-code page failed", metadata: ["error": "\(error)"])
            return .text("Temporarily unavailable. Try again.", status: 503)
        }
    }

    private func form(_ record: ConsoleCodeRecord, link: String, csrf: String, wrong: Bool) -> String {
        let binding = record.bindingMessage.map { #"<p>Check it shows: <span class="binding">\#(Self.escape($0))</span></p>"# } ?? ""
        return Self.page(
            """
            <h1>\(Self.escape(record.clientName)) asks you to sign in</h1>\(binding)
            <form method="post"><input type="hidden" name="link" value="\(Self.escape(link))">
            <input type="hidden" name="csrf" value="\(csrf)">
            <label for="code">\(wrong ? "Wrong code, try again." : "Enter the code you were sent.")</label>
            <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code">
            <div class="actions"><button type="submit">Approve</button></div></form>
            """)
    }

    private static func page(_ body: String) -> String {
        """
        <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Sign in</title><style>\(FrontChannelStyle.stylesheet)</style></head><body>\(body)</body></html>
        """
    }

    /// Escapes text for HTML element content and attribute values.
    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
