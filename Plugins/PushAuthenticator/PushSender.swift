/// Sends one push to one device through its platform's service.
protocol PushSender: Sendable {
    /// Pushes `challengeId` (nothing else: the device fetches the details over an authenticated call).
    func send(challengeId: String, to device: PushDevice) async -> PushDeliveryOutcome
}

/// What a push service answered.
enum PushDeliveryOutcome: Sendable, Equatable {
    case delivered
    /// The token is no longer valid (the app was uninstalled, the token rotated): the device is stale.
    case unregistered
    /// Worth another attempt (5xx, 429, a timeout, a refused connection).
    case retryable(String)
    /// Not worth another attempt (a rejected request).
    case rejected(String)
}
