import BackchannelCore
import Metrics

/// Counts one authenticator's deliveries (`backchannel_deliveries_total` by authenticator and outcome):
/// the recorder a host lends each plugin instance.
public struct DeliveryCounters: DeliveryRecorder {
    private let counters: [DeliveryReport: Counter]

    /// Counters for the authenticator named `authenticator` (its configured name, a bounded label).
    public init(authenticator: String) {
        counters = Dictionary(uniqueKeysWithValues: DeliveryReport.allCases.map { report in
            (report, Counter(label: "backchannel_deliveries_total", dimensions: [("authenticator", authenticator), ("outcome", report.rawValue)]))
        })
    }

    public func record(_ report: DeliveryReport) {
        counters[report]?.increment()
    }
}
