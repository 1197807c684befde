import BackchannelCore
import Foundation
import Synchronization

/// A simulated push authenticator: each user's device answers as its ``MockPushScript`` says.
///
/// For demos and integrators' tests. Besides the scripted answers it offers a device API
/// (``pendingNotifications(subject:)``, ``respond(authReqId:approve:)``), which the paired front-channel
/// page uses, so any pending request can also be answered by hand.
public final class MockPushAuthenticator: BackchannelAuthenticationHandler {
    /// The back-channel descriptor, registered as `"mock-push"` and linked to ``pageDescriptor``.
    public static let descriptor = BackchannelAuthenticatorPluginDescriptor(
        registryName: "mock-push",
        configuration: MockPushConfiguration.self,
        frontChannelName: "mock-push"
    ) { configuration, services in
        MockPushAuthenticator(configuration: configuration, services: services)
    }

    /// The front-channel descriptor: the simulated device's page.
    public static let pageDescriptor = AuthenticatorPluginDescriptor(
        registryName: "mock-push",
        configuration: MockPushPageConfiguration.self,
        handler: MockPushAuthenticator.self,
        summary: "A simulated phone: lists a user's pending requests with their binding messages; approve or deny."
    ) { configuration, handler, services in
        try MockPushDevicePage(configuration: configuration, authenticator: handler, services: services)
    }

    private struct Pending {
        var notification: MockPushNotification
        var script: MockPushScript
        var result: BackchannelAuthenticationResult?
        var timer: Task<Void, Never>?
    }

    private struct State {
        var pending: [AuthReqId: Pending] = [:]
        var bySubject: [String: Set<AuthReqId>] = [:]
    }

    private let configuration: MockPushConfiguration
    private let services: BackchannelHostServices
    private let state = Mutex(State())

    /// Creates the authenticator.
    public init(configuration: MockPushConfiguration, services: BackchannelHostServices) {
        self.configuration = configuration
        self.services = services
    }

    public func startAuthentication(
        authReqId: AuthReqId,
        request: BackchannelAuthenticationRequest
    ) async throws -> BackchannelStartAuthenticationResult {
        guard authReqId == request.authReqId else { throw BackchannelHandlerError.mismatchedAuthReqId }
        // A hint resolves through the directory first (it may be an e-mail), else names the subject.
        guard let hinted = request.hint.subject else {
            return .failed(.unknownUserId, description: "the mock push authenticator does not accept login_hint_token")
        }
        let subject = try await services.userDirectory.user(for: request.hint)?.subject ?? hinted
        guard let script = configuration.users[subject] else {
            return .failed(.unknownUserId)
        }
        let notification = MockPushNotification(
            authReqId: authReqId,
            subject: subject,
            clientName: request.clientName ?? request.clientId,
            scopes: request.scopes,
            bindingMessage: request.bindingMessage,
            receivedAt: services.clock.now,
            expiresAt: request.expiresAt
        )
        try state.withLock { state in
            guard state.pending[authReqId] == nil else { throw BackchannelHandlerError.duplicateAuthReqId(authReqId) }
            state.pending[authReqId] = Pending(notification: notification, script: script)
            state.bySubject[subject, default: []].insert(authReqId)
        }
        services.logger.debug("mock push sent", metadata: ["auth_req_id": "\(authReqId)", "subject": "\(subject)"])
        if script.action != .silent {
            scheduleScriptedAnswer(authReqId: authReqId, at: notification.receivedAt.addingTimeInterval(script.afterSeconds))
        }
        return .started
    }

    public func checkAuthenticationStatus(authReqId: AuthReqId) async throws -> BackchannelAuthenticationResult? {
        let now = services.clock.now
        // Conclude lazily too, so the answer is right even before the timer task has run.
        let (result, newlyConcluded) = state.withLock { state -> (BackchannelAuthenticationResult?, Bool) in
            guard var entry = state.pending[authReqId] else { return (nil, false) }
            if let result = entry.result { return (result, false) }
            guard entry.script.action != .silent,
                now >= entry.notification.receivedAt.addingTimeInterval(entry.script.afterSeconds)
            else { return (nil, false) }
            // The scripted user answered at the scripted instant, whenever the host asks.
            let answeredAt = entry.notification.receivedAt.addingTimeInterval(entry.script.afterSeconds)
            let result = Self.scriptedResult(entry, at: answeredAt)
            entry.result = result
            state.pending[authReqId] = entry
            state.bySubject[entry.notification.subject]?.remove(authReqId)
            return (result, true)
        }
        if newlyConcluded, let result {
            await services.completionSink.authenticationConcluded(authReqId: authReqId, result: result)
        }
        return result
    }

    public func cancelAuthenticationRequest(authReqId: AuthReqId) async throws {
        let timer = state.withLock { state -> Task<Void, Never>? in
            guard let entry = state.pending.removeValue(forKey: authReqId) else { return nil }
            let subject = entry.notification.subject
            state.bySubject[subject]?.remove(authReqId)
            if state.bySubject[subject]?.isEmpty == true { state.bySubject[subject] = nil }
            return entry.timer
        }
        timer?.cancel()
    }

    // MARK: Device API

    /// The notifications a user has not answered yet, oldest first.
    public func pendingNotifications(subject: String) -> [MockPushNotification] {
        state.withLock { state in
            (state.bySubject[subject] ?? []).compactMap { state.pending[$0]?.notification }
        }
        .sorted { $0.receivedAt < $1.receivedAt }
    }

    /// Answers a pending notification as the user would on their phone.
    /// - Returns: `false` when there is no such pending notification (unknown, answered or cancelled).
    @discardableResult
    public func respond(authReqId: AuthReqId, approve: Bool) async -> Bool {
        let now = services.clock.now
        let result: BackchannelAuthenticationResult? = state.withLock { state in
            guard var entry = state.pending[authReqId], entry.result == nil else { return nil }
            let result: BackchannelAuthenticationResult =
                approve ? .approved(Self.attributes(subject: entry.notification.subject, at: now)) : .denied(reason: "the user refused on their device")
            entry.result = result
            entry.timer?.cancel()
            state.pending[authReqId] = entry
            state.bySubject[entry.notification.subject]?.remove(authReqId)
            return result
        }
        guard let result else { return false }
        await services.completionSink.authenticationConcluded(authReqId: authReqId, result: result)
        return true
    }

    // MARK: Scripted answers

    private func scheduleScriptedAnswer(authReqId: AuthReqId, at deadline: Date) {
        let task = Task { [services] in
            do {
                try await services.clock.sleep(until: deadline)
            } catch {
                return
            }
            _ = try? await self.checkAuthenticationStatus(authReqId: authReqId)
        }
        state.withLock { state in
            if state.pending[authReqId] != nil {
                state.pending[authReqId]?.timer = task
            } else {
                task.cancel()
            }
        }
    }

    private static func scriptedResult(_ entry: Pending, at now: Date) -> BackchannelAuthenticationResult {
        switch entry.script.action {
        case .approve: .approved(attributes(subject: entry.notification.subject, at: now))
        case .deny: .denied(reason: "the user refused on their device")
        case .fail, .silent: .failed(reason: "the push device did not respond")
        }
    }

    private static func attributes(subject: String, at now: Date) -> AuthenticationAttributes {
        // RFC 8176: "swk" (a software-secured key on the device) and "user" (user presence).
        AuthenticationAttributes(subject: subject, amr: ["swk", "user"], authTime: now)
    }
}
