/// Where a handler reports, the moment it knows, that a request concluded.
///
/// The host passes one in ``BackchannelHostServices``; reporting through it lets the host answer
/// long-polling clients and notify ping and push clients without polling the handler. Reporting is
/// idempotent for the host: the first conclusion of a request wins.
public protocol BackchannelCompletionSink: Sendable {
    /// Records that a request concluded.
    /// - Parameters:
    ///   - authReqId: The concluded request.
    ///   - result: Its outcome.
    func authenticationConcluded(authReqId: AuthReqId, result: BackchannelAuthenticationResult) async
}
