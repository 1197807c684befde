import BackchannelCore
import BackchannelOutbound
import Foundation
import Logging

/// Drives any `BackchannelAuthenticationHandler` through the lifecycle a host puts it through (start,
/// status until concluded, cancel, expiry) under a ``VirtualClock``, with injected host services.
///
/// ```swift
/// let harness = BackchannelHandlerHarness(users: [DirectoryUser(subject: "alice")])
/// let handler = try MyHandler(services: harness.services)
/// let request = harness.makeRequest(hint: .loginHint("alice"))
/// #expect(try await harness.start(handler, request) == .started)
/// #expect(try await harness.runUntilConcluded(handler, request) == .expired)
/// ```
public struct BackchannelHandlerHarness: Sendable {
    /// The virtual clock every service uses.
    public let clock: VirtualClock
    /// Records what handlers report.
    public let completionSink: RecordingCompletionSink
    /// The services to make handlers with.
    public let services: BackchannelHostServices

    /// Creates a harness.
    /// - Parameters:
    ///   - users: The user directory's contents.
    ///   - clock: The clock; a new virtual clock by default.
    ///   - random: The random source; the system's CSPRNG by default.
    public init(users: [DirectoryUser], clock: VirtualClock = VirtualClock(), random: any RandomSource = SystemRandomSource()) {
        let sink = RecordingCompletionSink()
        let background = BackgroundWork()
        self.clock = clock
        self.completionSink = sink
        self.services = BackchannelHostServices(
            userDirectory: StaticUserDirectory(users),
            clock: clock,
            random: random,
            logger: Logger(label: "backchannel.testing"),
            completionSink: sink,
            stateStore: InMemoryPluginStateStore(clock: clock),
            frontChannelBaseURL: URL(string: "http://127.0.0.1:8080/authn/test/")!,
            exposure: .loopback,
            background: background,
            http: HostHTTPClients.processWide.client,
            deliveries: DiscardingDeliveryRecorder()
        )
        // A harness has no lifecycle of its own: the deliveries it is handed run until ``shutdown(deadline:)``.
        Task { await background.serve() }
    }

    /// Shuts the harness down as a host would: stops taking background work, waits for the running work
    /// up to `deadline`, then cancels the rest and waits for its failure steps.
    /// - Returns: how many pieces of work had to be cancelled.
    @discardableResult
    public func shutdown(deadline: Duration = .seconds(30)) async -> Int {
        await services.background.drain(deadline: deadline)
    }

    /// A fresh request identity, random like a host's.
    public func makeAuthReqId() -> AuthReqId {
        let hex = Hex.encode(services.random.bytes(count: 16))
        return AuthReqId(rawValue: hex)
    }

    /// A validated request such as a host would pass, expiring `expiresIn` seconds from now; with
    /// `authorizationDetails` (`AuthorizationDetails.samplePayment`, say) for a request that asks the user to
    /// approve something concrete.
    public func makeRequest(
        hint: BackchannelHint,
        clientId: String = "test-client",
        scopes: [String] = ["openid"],
        bindingMessage: String? = "TEST-1234",
        userCode: String? = nil,
        expiresIn: TimeInterval = 120,
        authorizationDetails: AuthorizationDetails = .none
    ) -> BackchannelAuthenticationRequest {
        BackchannelAuthenticationRequest(
            authReqId: makeAuthReqId(),
            clientId: clientId,
            clientName: "Test Client",
            hint: hint,
            scopes: scopes,
            bindingMessage: bindingMessage,
            userCode: userCode,
            expiresAt: clock.now.addingTimeInterval(expiresIn),
            authorizationDetails: authorizationDetails
        )
    }

    /// Starts a request, as the host does once it has validated it.
    public func start(
        _ handler: some BackchannelAuthenticationHandler,
        _ request: BackchannelAuthenticationRequest
    ) async throws -> BackchannelStartAuthenticationResult {
        try await handler.startAuthentication(request)
    }

    /// Advances the virtual clock in steps, asking for the status after each, until the handler
    /// concludes or the request expires; on expiry it cancels the request, as a host does.
    /// - Parameters:
    ///   - handler: The handler under test.
    ///   - request: A request it was started with.
    ///   - step: How far each step moves the clock, in seconds.
    public func runUntilConcluded(
        _ handler: some BackchannelAuthenticationHandler,
        _ request: BackchannelAuthenticationRequest,
        step: TimeInterval = 1
    ) async throws -> HarnessOutcome {
        while true {
            if let result = try await handler.checkAuthenticationStatus(authReqId: request.authReqId) {
                return .concluded(result)
            }
            if clock.now >= request.expiresAt {
                try await handler.cancelAuthenticationRequest(authReqId: request.authReqId)
                return .expired
            }
            await clock.advance(by: min(step, request.expiresAt.timeIntervalSince(clock.now)))
        }
    }
}
