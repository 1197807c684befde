import Metrics
import Synchronization

/// How ping and push deliveries went in this process, for logs and metrics
/// (`backchannel_notifications_total{outcome}`: delivered, retried, failed).
public final class NotificationCounters: Sendable {
    private let counts = Mutex((delivered: 0, retried: 0, failed: 0))
    private let exported = ["delivered", "retried", "failed"].map {
        Counter(label: "backchannel_notifications_total", dimensions: [("outcome", $0)])
    }

    init() {}

    /// Notifications the client's endpoint accepted.
    public var delivered: Int { counts.withLock { $0.delivered } }
    /// Attempts that failed and were scheduled again.
    public var retried: Int { counts.withLock { $0.retried } }
    /// Notifications given up on.
    public var failed: Int { counts.withLock { $0.failed } }

    func count(_ outcome: NotificationAttemptOutcome) {
        counts.withLock { counts in
            switch outcome {
            case .delivered: counts.delivered += 1
            case .retry: counts.retried += 1
            case .failed: counts.failed += 1
            }
        }
        switch outcome {
        case .delivered: exported[0].increment()
        case .retry: exported[1].increment()
        case .failed: exported[2].increment()
        }
    }
}
