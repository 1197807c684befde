/// A store that could not be opened, naming the `store:` setting to fix.
public struct StoreOpeningError: Error, CustomStringConvertible, Sendable {
    /// The setting under `store:` (`path`, `url`, `kind`).
    public var field: String
    /// What is wrong, for the operator.
    public var reason: String

    /// Creates the error.
    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(field): \(reason)" }
}
