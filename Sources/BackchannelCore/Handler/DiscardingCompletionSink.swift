/// A sink that discards every report, for hosts and tests that only poll.
public struct DiscardingCompletionSink: BackchannelCompletionSink {
    /// Creates the sink.
    public init() {}

    public func authenticationConcluded(authReqId: AuthReqId, result: BackchannelAuthenticationResult) async {}
}
