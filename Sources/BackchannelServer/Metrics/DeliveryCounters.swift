import BackchannelCore
import Metrics
import Synchronization

/// Counts one authenticator's deliveries (`backchannel_deliveries_total` by authenticator and outcome):
/// the recorder a host lends each plugin instance.
public struct DeliveryCounters: DeliveryRecorder {
    private let counters: [DeliveryReport: Counter]
    /// The same counts, readable here (the operator console shows them).
    private let tally = DeliveryTally()

    /// Counters for the authenticator named `authenticator` (its configured name, a bounded label).
    public init(authenticator: String) {
        counters = Dictionary(uniqueKeysWithValues: DeliveryReport.allCases.map { report in
            (report, Counter(label: "backchannel_deliveries_total", dimensions: [("authenticator", authenticator), ("outcome", report.rawValue)]))
        })
    }

    public func record(_ report: DeliveryReport) {
        counters[report]?.increment()
        tally.counts.withLock { $0[report, default: 0] += 1 }
    }

    /// The deliveries counted since the process started, by outcome.
    public var counts: [DeliveryReport: Int] { tally.counts.withLock { $0 } }
}

/// The counts a ``DeliveryCounters`` and its copies share.
private final class DeliveryTally: Sendable {
    let counts = Mutex<[DeliveryReport: Int]>([:])
}
