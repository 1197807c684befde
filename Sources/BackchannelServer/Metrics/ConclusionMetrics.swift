import Foundation
import Metrics
import Synchronization

/// How long users take: the time from a request's start to its conclusion, by authenticator and
/// outcome (approved, denied, failed, expired), and the pending requests by authenticator.
enum ConclusionMetrics {
    private struct Key: Hashable {
        var authenticator: String
        var outcome: String
    }

    private static let timers = Mutex<[Key: Metrics.Timer]>([:])
    private static let gauges = Mutex<[String: Gauge]>([:])
    private static let lag = Gauge(label: "backchannel_expiry_sweep_lag_seconds")

    /// The outcomes a conclusion has.
    private static let outcomes = ["approved", "denied", "failed", "expired"]

    /// Makes the timers of `authenticators` before their first conclusion, so that dashboards and alerts
    /// see every series from the start (at zero) rather than from its first sample.
    static func prepare(authenticators: [String]) {
        for authenticator in authenticators {
            for outcome in outcomes { _ = timer(Key(authenticator: authenticator, outcome: outcome)) }
        }
    }

    /// Records a conclusion of `request`, at `now`.
    static func concluded(_ request: PendingRequest, as state: PendingRequestState, at now: Date) {
        timer(Key(authenticator: request.authenticator, outcome: StoredOutcome.name(of: state)))
            .recordSeconds(max(0, now.timeIntervalSince(request.createdAt)))
    }

    private static func timer(_ key: Key) -> Metrics.Timer {
        timers.withLock { timers in
            if let timer = timers[key] { return timer }
            let timer = Metrics.Timer(
                label: "backchannel_time_to_conclusion_seconds", dimensions: [("authenticator", key.authenticator), ("outcome", key.outcome)],
                preferredDisplayUnit: .seconds)
            timers[key] = timer
            return timer
        }
    }

    /// Records how long past its expiry the oldest request of the last sweep was (0: expiry is on time).
    static func sweepLag(_ seconds: TimeInterval) {
        lag.record(max(0, seconds))
    }

    /// Sets the pending-requests gauge of every authenticator in `names` (zero where `counts` has none).
    static func pending(_ counts: [String: Int], authenticators names: [String]) {
        for name in Set(names).union(counts.keys) {
            let gauge = gauges.withLock { gauges in
                if let gauge = gauges[name] { return gauge }
                let gauge = Gauge(label: "backchannel_pending_requests", dimensions: [("authenticator", name)])
                gauges[name] = gauge
                return gauge
            }
            gauge.record(counts[name] ?? 0)
        }
    }
}
