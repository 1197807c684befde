/// The parameters of a form-encoded OAuth request, in the order they came, repetitions kept, so the
/// engine can enforce RFC 6749 §3.1: "parameters MUST NOT be included more than once".
public struct OAuthParameters: Sendable {
    /// The name–value pairs, percent-decoded.
    public let pairs: [(name: String, value: String)]

    /// Wraps decoded pairs.
    public init(_ pairs: [(name: String, value: String)]) {
        self.pairs = pairs
    }

    /// The single value of a parameter, or `nil` when it is absent or empty (RFC 6749 §3.1 treats a
    /// parameter without a value as omitted).
    /// - Throws: ``OAuthError/invalidRequest(_:)`` when the parameter is repeated.
    public func value(_ name: String) throws(OAuthError) -> String? {
        var found: String?
        for pair in pairs where pair.name == name {
            if found != nil { throw .invalidRequest("the \(name) parameter is repeated") }
            found = pair.value
        }
        guard let found, !found.isEmpty else { return nil }
        return found
    }

    /// Whether the parameter is present with a non-empty value.
    public func contains(_ name: String) -> Bool {
        pairs.contains { $0.name == name && !$0.value.isEmpty }
    }
}
