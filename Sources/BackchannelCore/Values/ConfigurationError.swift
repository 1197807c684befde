/// A configuration value that could not be decoded into the type its owner expects.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where the bad value is, in the configuration's own snake_case spelling, such as
    /// `users.alice.approve_after_seconds`; empty for the whole value.
    public var path: String
    /// What is wrong with it.
    public var reason: String

    /// Creates an error.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String {
        path.isEmpty ? reason : "\(path): \(reason)"
    }
}
