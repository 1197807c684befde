import Foundation

/// A notification the outbox holds and a delivery service claimed: the request it reports on (whose
/// ``PendingRequest/notification`` says where and how), the attempts made so far, and, for push, the
/// payload fixed at the first attempt so every retry sends the same tokens.
public struct DueNotification: Sendable, Hashable {
    /// The request, in the state the notification reports.
    public var request: PendingRequest
    /// Attempts made before this one.
    public var attempts: Int
    /// The body to send, once fixed.
    public var payload: Data?

    /// Creates the record.
    public init(request: PendingRequest, attempts: Int, payload: Data?) {
        self.request = request
        self.attempts = attempts
        self.payload = payload
    }
}

/// How one delivery attempt ended, as the outbox records it.
public enum NotificationAttemptOutcome: Sendable, Hashable {
    /// The client's endpoint answered 2xx: the notification leaves the outbox.
    case delivered
    /// Try again at this time (connection error, timeout, 5xx).
    case retry(at: Date)
    /// Given up: the attempts ran out, or the endpoint refused for good. A push request's approval is
    /// recorded as failed, as its tokens never reached the client.
    case failed
}
