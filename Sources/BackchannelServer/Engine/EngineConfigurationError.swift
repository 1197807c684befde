/// A configuration the engine refuses at start-up, naming the field at fault.
public struct EngineConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The field, as spelled in the configuration file, such as `clients[1].authenticators`.
    public var field: String
    /// What is wrong.
    public var reason: String

    public var description: String { "\(field): \(reason)" }
}
