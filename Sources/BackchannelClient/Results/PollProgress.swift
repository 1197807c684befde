/// Where polling stands, reported before each wait so a UI can show it.
public struct PollProgress: Sendable, Hashable {
    /// Seconds until the request expires.
    public var secondsLeft: Int
    /// The current interval between polls, in seconds.
    public var interval: Int
    /// How many polls have been made.
    public var polls: Int
}
