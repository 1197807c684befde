/// What the store decided, atomically, about one poll of the token endpoint.
public enum PollOutcome: Sendable, Hashable {
    /// No such request, or it belongs to another client.
    case unknown
    /// The poll came sooner than the interval allows; the interval has grown by 5 seconds.
    case slowDown(PendingRequest)
    /// The poll is admitted; here is the request as it stands.
    case admitted(PendingRequest)
}
