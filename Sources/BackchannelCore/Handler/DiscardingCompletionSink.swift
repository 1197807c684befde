/// A sink that discards every report, for hosts and tests that only poll.
package struct DiscardingCompletionSink: BackchannelCompletionSink {
    /// Creates the sink.
    package init() {}

    package func authenticationConcluded(authReqId: AuthReqId, result: BackchannelAuthenticationResult) async {}
}
