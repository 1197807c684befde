/// What became of one attempt to reach a user (a text message, an e-mail, a push), for the host's
/// delivery metrics. A plugin reports each attempt; the host labels it with the authenticator's name.
public enum DeliveryReport: String, Sendable, Hashable, CaseIterable {
    /// The message was handed over (the gateway or relay accepted it).
    case sent
    /// An attempt failed and another will follow.
    case retried
    /// The message could not be delivered and no attempt follows: the request fails.
    case failed
}

/// Where a plugin reports its deliveries (``BackchannelHostServices/deliveries``).
public protocol DeliveryRecorder: Sendable {
    /// Counts one delivery outcome.
    func record(_ report: DeliveryReport)
}

/// A recorder that keeps nothing: what a host without metrics lends (and tests that do not count).
package struct DiscardingDeliveryRecorder: DeliveryRecorder {
    package init() {}

    package func record(_ report: DeliveryReport) {}
}
