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
///
/// What a handler can do beyond these three calls it declares by conforming to a capability protocol:
/// ``ReadinessReporting`` (it depends on something outside the process), ``BatchCancelling`` (it cancels
/// many requests in one write) and ``DeviceEnrollmentIssuer`` (it enrolls users' devices). The host asks for
/// each capability with a cast, so a handler that has none stays three functions long.
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
}
