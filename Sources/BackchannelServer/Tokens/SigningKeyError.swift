/// Why the server could not load or create its signing keys at start-up.
public struct SigningKeyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The configuration field at fault, such as `keys[0].private_key_file`, or the file written.
    public var field: String
    /// What went wrong.
    public var reason: String

    public var description: String { "\(field): \(reason)" }
}
