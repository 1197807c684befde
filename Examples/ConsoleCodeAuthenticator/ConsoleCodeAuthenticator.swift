import BackchannelCore
import Foundation
import Synchronization

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

/// An example authenticator: it "delivers" a one-time code by writing it to the server's log (where
/// a real plugin would send an SMS), and the user types the code on its page to approve.
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
    ) { _, handler, _ in
        ConsoleCodePage(authenticator: handler)
    }

    private struct Pending {
        var subject: String
        var code: String
        var attempts = 0
        var result: BackchannelAuthenticationResult?
    }

    private let configuration: ConsoleCodeConfiguration
    private let services: BackchannelHostServices
    private let pending = Mutex<[AuthReqId: Pending]>([:])

    /// Creates the authenticator.
    public init(configuration: ConsoleCodeConfiguration, services: BackchannelHostServices) {
        self.configuration = configuration
        self.services = services
    }

    public func startAuthentication(_ request: BackchannelAuthenticationRequest) async throws -> BackchannelStartAuthenticationResult {
        let authReqId = request.authReqId
        guard let user = try await services.userDirectory.user(for: request.hint) else { return .failed(.unknownUserId) }
        let code = OneTimeCode.digits(configuration.codeLength, random: services.random)
        try pending.withLock { pending in
            guard pending[authReqId] == nil else { throw BackchannelHandlerError.duplicateAuthReqId(authReqId) }
            pending[authReqId] = Pending(subject: user.subject, code: code)
        }
        let link = services.frontChannelBaseURL.absoluteString + "?request=" + authReqId.rawValue
        services.logger.notice("one-time code for \(user.subject): \(code); enter it at \(link)")
        return .started
    }

    public func checkAuthenticationStatus(authReqId: AuthReqId) async throws -> BackchannelAuthenticationResult? {
        pending.withLock { $0[authReqId]?.result }
    }

    public func cancelAuthenticationRequest(authReqId: AuthReqId) async throws {
        _ = pending.withLock { $0.removeValue(forKey: authReqId) }
    }

    /// Whether a request is waiting for its code.
    func isAwaitingCode(_ authReqId: AuthReqId) -> Bool {
        pending.withLock { $0[authReqId].map { $0.result == nil } ?? false }
    }

    /// Checks a code the user typed; the last allowed wrong entry fails the authentication.
    /// - Returns: the conclusion, or `nil` when the request still waits for a code.
    func verify(authReqId: AuthReqId, code: String) async -> BackchannelAuthenticationResult? {
        let now = services.clock.now
        let result: BackchannelAuthenticationResult? = pending.withLock { pending in
            guard var entry = pending[authReqId], entry.result == nil else { return nil }
            if ConstantTime.equals(entry.code, code) {
                entry.result = .approved(AuthenticationAttributes(subject: entry.subject, amr: ["otp"], authTime: now))
            } else {
                entry.attempts += 1
                if entry.attempts >= configuration.maxAttempts { entry.result = .failed(reason: "too many wrong codes") }
            }
            pending[authReqId] = entry
            return entry.result
        }
        if let result { await services.completionSink.authenticationConcluded(authReqId: authReqId, result: result) }
        return result
    }
}

/// The page: a form for the code. It renders only server-made values, so nothing needs escaping;
/// the code itself is the secret a cross-site form could not know.
struct ConsoleCodePage: FrontChannelInteraction {
    let authenticator: ConsoleCodeAuthenticator

    func respond(to request: FrontChannelRequest) async -> FrontChannelResponse {
        let id = AuthReqId(rawValue: request.queryValue("request") ?? request.formValue("request") ?? "")
        guard authenticator.isAwaitingCode(id) else {
            return FrontChannelResponse(status: 404, contentType: "text/plain; charset=utf-8", body: "No such pending request.")
        }
        if request.method == .post, let code = request.formValue("code") {
            switch await authenticator.verify(authReqId: id, code: code) {
            case .approved: return .html("<p>Approved. You may close this page.</p>")
            case .some: return .html("<p>Too many wrong codes. The request has failed.</p>", status: 403)
            case nil: return form(id, message: "Wrong code, try again.", status: 400)
            }
        }
        return form(id, message: "Enter the code you were sent.")
    }

    private func form(_ id: AuthReqId, message: String, status: Int = 200) -> FrontChannelResponse {
        .html("""
            <form method="post"><p>\(message)</p>
            <input type="hidden" name="request" value="\(id.rawValue)">
            <input name="code" inputmode="numeric" autocomplete="one-time-code"><button>Approve</button></form>
            """, status: status)
    }
}
