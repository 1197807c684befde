import BackchannelCore
import Foundation
import Synchronization

/// A simulated push authenticator: each user's device answers as its ``MockPushScript`` says.
///
/// For demos and integrators' tests. Besides the scripted answers it offers a device API
/// (``pendingNotifications(subject:)``, ``respond(authReqId:approve:)``), which the paired front-channel
/// page uses, so any pending request can also be answered by hand. Its notifications live in the host's
/// `PluginStateStore`: they survive a restart, and every server process sees them.
public final class MockPushAuthenticator: BackchannelAuthenticationHandler, BatchCancelling, RequestScopedRecords {
    /// The back-channel descriptor, registered as `"mock-push"` and linked to ``pageDescriptor``.
    public static let descriptor = BackChannelPluginDescriptor(
        registryName: "mock-push",
        configuration: MockPushConfiguration.self,
        frontChannelName: "mock-push"
    ) { configuration, services in
        try MockPushAuthenticator(checking: configuration, services: services)
    }

    /// The front-channel descriptor: the simulated device's page.
    public static let pageDescriptor = FrontChannelPluginDescriptor(
        registryName: "mock-push",
        configuration: MockPushPageConfiguration.self,
        handler: MockPushAuthenticator.self
    ) { configuration, handler, services in
        try MockPushDevicePage(configuration: configuration, authenticator: handler, services: services)
    }

    private static let namespace = "mock-push"
    /// Records outlive their request briefly, so a late status query still finds the outcome.
    private static let retention: TimeInterval = 60

    private let configuration: MockPushConfiguration
    private let services: BackchannelHostServices
    // Timers are this process's business only; the state they act on is in the shared store.
    private let timers = Mutex<[AuthReqId: Task<Void, Never>]>([:])

    /// Why the simulator refused to run.
    public struct RefusedExposure: Error, CustomStringConvertible {
        public var description: String {
            "the mock push authenticator lets anyone who reaches its page approve any user's request: it runs only on a server "
                + "bound to loopback, unless its configuration says test_deployment: true"
        }
    }

    /// Makes the authenticator for a host, refusing a server reachable from other machines unless the
    /// configuration declares a test deployment, and warning at start-up either way.
    /// - Throws: ``RefusedExposure``.
    public convenience init(checking configuration: MockPushConfiguration, services: BackchannelHostServices) throws {
        guard services.exposure == .loopback || configuration.testDeployment else { throw RefusedExposure() }
        services.logger.warning(
            "mock-push is a simulated authenticator: whoever reaches its page can approve any request. Never use it in production.",
            metadata: ["exposure": "\(services.exposure)"])
        self.init(configuration: configuration, services: services)
    }

    /// Creates the authenticator.
    public init(configuration: MockPushConfiguration, services: BackchannelHostServices) {
        self.configuration = configuration
        self.services = services
        self.records = PluginStateSlot(store: services.stateStore, namespace: Self.namespace)
    }

    private var store: any PluginStateStore { services.stateStore }
    /// Made once: a slot asks its store once whether it keeps decoded values (a dynamic cast, not per poll).
    private let records: PluginStateSlot<MockPushRecord>

    public func startAuthentication(_ request: BackchannelAuthenticationRequest) async throws -> BackchannelStartAuthenticationResult {
        let authReqId = request.authReqId
        // A hint resolves through the directory first (it may be an e-mail), else names the subject.
        guard let hinted = request.hint.subject else {
            return .failed(.unknownUserId, description: "the mock push authenticator does not accept login_hint_token")
        }
        let subject = try await services.userDirectory.user(for: request.hint)?.subject ?? hinted
        guard let script = configuration.users[subject] else {
            return .failed(.unknownUserId)
        }
        let now = services.clock.now
        let record = MockPushRecord(
            subject: subject, clientName: request.clientName ?? request.clientId,
            scopes: request.scopes, bindingMessage: request.bindingMessage, receivedAt: now, expiresAt: request.expiresAt,
            action: script.action, afterSeconds: script.afterSeconds, conclusion: nil, authorizationDetails: request.authorizationDetails)
        let inserted = try await records.insert(
            record, key: authReqId.rawValue, group: Self.pendingGroup(subject), createdAt: now,
            expiresAt: request.expiresAt.addingTimeInterval(Self.retention))
        guard inserted else { throw BackchannelHandlerError.duplicateAuthReqId(authReqId) }
        services.logger.debug("mock push sent", metadata: ["auth_req_id_sha256": "\(authReqId)"])
        if let answerAt = record.scriptedAnswerAt { scheduleScriptedAnswer(authReqId: authReqId, at: answerAt) }
        return .started
    }

    public func checkAuthenticationStatus(authReqId: AuthReqId) async throws -> BackchannelAuthenticationResult? {
        guard let loaded = try await records.load(authReqId.rawValue) else { return nil }
        let record = loaded.value
        if let result = record.result { return result }
        // The scripted user answers at the scripted instant, whichever process asks first.
        guard let answerAt = record.scriptedAnswerAt, services.clock.now >= answerAt else { return nil }
        let conclusion: RecordedConclusion = switch record.action {
        case .approve: RecordedConclusion(.approved, at: answerAt)
        case .deny: RecordedConclusion(.denied, at: answerAt, reason: "the user refused on their device")
        case .fail, .silent: RecordedConclusion(.failed, at: answerAt, reason: "the push device did not respond")
        }
        // Whoever recorded the conclusion, this call or another process, the record now holds it.
        if let concluded = try await conclude(authReqId, conclusion, from: loaded) { return concluded.result }
        return try await records.load(authReqId.rawValue)?.value.result
    }

    public func cancelAuthenticationRequest(authReqId: AuthReqId) async throws {
        timers.withLock { $0.removeValue(forKey: authReqId) }?.cancel()
        try await store.delete(namespace: Self.namespace, key: authReqId.rawValue)
    }

    public func cancelAuthenticationRequests(_ authReqIds: [AuthReqId]) async throws {
        for timer in timers.withLock({ timers in authReqIds.compactMap { timers.removeValue(forKey: $0) } }) { timer.cancel() }
        try await store.delete(namespace: Self.namespace, keys: authReqIds.map(\.rawValue))
    }

    /// A request's state is its record alone: a redemption deletes it with the request.
    public var requestRecordNamespaces: [String] { [Self.namespace] }

    /// Stops this process's timer of a redeemed request (concluded on another node, say).
    public func requestRedeemed(authReqId: AuthReqId) async {
        timers.withLock { $0.removeValue(forKey: authReqId) }?.cancel()
    }

    // MARK: Device API

    /// The notifications a user has not answered yet, oldest first.
    public func pendingNotifications(subject: String) async throws -> [MockPushNotification] {
        try await records.load(group: Self.pendingGroup(subject)).compactMap { loaded in
            loaded.value.conclusion == nil ? loaded.value.notification(key: loaded.record.key) : nil
        }
    }

    /// Answers a pending notification as the user would on their phone.
    /// - Returns: `false` when there is no such pending notification (unknown, answered or cancelled).
    @discardableResult
    public func respond(authReqId: AuthReqId, approve: Bool) async throws -> Bool {
        let conclusion =
            approve
            ? RecordedConclusion(.approved, at: services.clock.now)
            : RecordedConclusion(.denied, at: services.clock.now, reason: "the user refused on their device")
        return try await conclude(authReqId, conclusion) != nil
    }

    // MARK: Internals

    private static func pendingGroup(_ subject: String) -> String { "pending:\(subject)" }

    /// Records the conclusion unless another process concluded first (reporting it to the host), and
    /// stops this process's timer. - Returns: the concluded record, if this call recorded it.
    @discardableResult
    private func conclude(
        _ authReqId: AuthReqId, _ conclusion: RecordedConclusion, from loaded: PluginStateSlot<MockPushRecord>.Loaded? = nil
    ) async throws -> MockPushRecord? {
        // A concluded notification leaves the user's pending group.
        guard let concluded = try await records.conclude(
            authReqId, with: conclusion, reportingTo: services.completionSink, leavingGroup: true, from: loaded)
        else {
            return nil
        }
        timers.withLock { $0.removeValue(forKey: authReqId) }?.cancel()
        return concluded
    }

    private func scheduleScriptedAnswer(authReqId: AuthReqId, at deadline: Date) {
        let task = Task { [services] in
            do {
                try await services.clock.sleep(until: deadline)
            } catch {
                return
            }
            _ = try? await self.checkAuthenticationStatus(authReqId: authReqId)
        }
        timers.withLock { $0[authReqId] = task }
    }
}
