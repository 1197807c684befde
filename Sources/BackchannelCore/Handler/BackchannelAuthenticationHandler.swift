/// The back-channel half of an authenticator: it reaches the user on their authentication device and
/// learns whether they approved.
///
/// The host calls ``startAuthentication(_:)`` once per validated request,
/// ``checkAuthenticationStatus(authReqId:)`` whenever it needs the outcome (for example when the client
/// polls), and ``cancelAuthenticationRequest(authReqId:)`` once the request is over: when it expires, is
/// withdrawn, or after its tokens were issued (the handler may forget it then).
/// A handler that learns an outcome by itself (a callback from a device, a page the user submitted)
/// should also tell the host at once through the ``BackchannelCompletionSink`` it was given, so that
/// clients can be notified without polling; ``checkAuthenticationStatus(authReqId:)`` stays the
/// contract every handler honours.
///
/// Handlers know nothing of OAuth: they never see client secrets, tokens or the bearer `auth_req_id`.
/// `BackchannelTesting`'s contract checks state the exact obligations.
public protocol BackchannelAuthenticationHandler: Sendable {
    /// Begins authenticating the user the request names: send the push, the SMS, the e-mail.
    ///
    /// - Parameter request: The validated request; its ``BackchannelAuthenticationRequest/authReqId``
    ///   is the identity every later call uses.
    /// - Returns: ``BackchannelStartAuthenticationResult/started`` once the user is being reached, or
    ///   the CIBA error that makes the request fail at once (an unknown user, an unreachable one).
    /// - Throws: ``BackchannelHandlerError/duplicateAuthReqId(_:)`` when this identity was already started;
    ///   any other error for an infrastructure failure (the host answers with a server error).
    func startAuthentication(_ request: BackchannelAuthenticationRequest) async throws -> BackchannelStartAuthenticationResult

    /// The outcome of a started request, or `nil` while the user has not concluded it.
    ///
    /// Returns `nil` too for an identity this handler does not know, including one it was told to cancel.
    func checkAuthenticationStatus(authReqId: AuthReqId) async throws -> BackchannelAuthenticationResult?

    /// Withdraws a request: stop reaching the user and forget it. Idempotent, and a no-op for an
    /// unknown identity.
    func cancelAuthenticationRequest(authReqId: AuthReqId) async throws

    /// Whether the handler can take requests now: the host's readiness probe asks every so often, so
    /// answer quickly (within a second) and from what the handler knows or can check cheaply. The default
    /// is ``PluginReadiness/ready``. Since API 1.1.
    func readiness() async -> PluginReadiness

    /// Withdraws many requests at once: what the host's expiry sweep calls with every request of this
    /// handler that expired since the last sweep, so that under sustained load cancelling keeps pace with
    /// arrivals. Same contract as ``cancelAuthenticationRequest(authReqId:)`` for each; do the work in as
    /// few writes as the handler's state allows (``PluginStateStore/delete(namespace:keys:)``). The default
    /// cancels them one by one. Since API 1.3.
    func cancelAuthenticationRequests(_ authReqIds: [AuthReqId]) async throws
}

extension BackchannelAuthenticationHandler {
    /// Ready: a handler that depends on nothing outside the process.
    public func readiness() async -> PluginReadiness { .ready }

    /// Cancels them one by one.
    public func cancelAuthenticationRequests(_ authReqIds: [AuthReqId]) async throws {
        for authReqId in authReqIds { try await cancelAuthenticationRequest(authReqId: authReqId) }
    }
}
