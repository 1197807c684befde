import Metrics

/// This node's ping and push backlog, for dashboards and alerts: deliveries claimed from the outbox and
/// not yet finished (`backchannel_notifications_outstanding`, waiting for an endpoint's slot or under way),
/// and how long ago the oldest of them was claimed (`backchannel_notification_oldest_claim_age_seconds`; a
/// claim older than its lease goes back to the outbox for any node).
enum NotificationBacklogMetrics {
    private static let outstanding = Gauge(label: "backchannel_notifications_outstanding")
    private static let oldestClaimAge = Gauge(label: "backchannel_notification_oldest_claim_age_seconds")

    static func record(outstanding count: Int, oldestClaim age: Duration) {
        outstanding.record(count)
        oldestClaimAge.record(Double(age.components.seconds) + Double(age.components.attoseconds) / 1e18)
    }
}
