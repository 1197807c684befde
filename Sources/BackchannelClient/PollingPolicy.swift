import BackchannelCore

/// How the client paces its polls; injectable so tests run on a virtual clock.
public struct PollingPolicy: Sendable {
    /// The clock polls wait on.
    public var clock: any BackchannelClock
    /// The shortest interval the client uses, whatever the provider says; CIBA's default is 5 s when
    /// the provider gives none.
    public var minimumInterval: Int

    /// Creates a policy.
    public init(clock: any BackchannelClock = SystemClock(), minimumInterval: Int = 1) {
        self.clock = clock
        self.minimumInterval = max(0, minimumInterval)
    }
}
