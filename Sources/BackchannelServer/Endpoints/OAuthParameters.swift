/// The parameters of a form-encoded OAuth request, in the order they came, repetitions kept, so the
/// engine can enforce RFC 6749 §3.1: "parameters MUST NOT be included more than once".
///
/// Lookups cost O(1) whatever the number of pairs: a request with thousands of parameters must not
/// cost thousands of scans. Small requests (every legitimate one) are scanned, which is cheaper than
/// hashing; larger ones are indexed once.
public struct OAuthParameters: Sendable {
    /// The name–value pairs, percent-decoded.
    public let pairs: [(name: String, value: String)]
    /// For large requests, each name's pair index, or `-1` for a repeated name.
    private let index: [String: Int]?

    /// Up to this many pairs, a lookup scans; above it, the pairs are indexed.
    private static let scanLimit = 16

    /// Wraps decoded pairs.
    public init(_ pairs: [(name: String, value: String)]) {
        self.pairs = pairs
        guard pairs.count > Self.scanLimit else {
            self.index = nil
            return
        }
        var index: [String: Int] = [:]
        index.reserveCapacity(pairs.count)
        for (position, pair) in pairs.enumerated() {
            if index.updateValue(position, forKey: pair.name) != nil { index[pair.name] = -1 }
        }
        self.index = index
    }

    /// Whether any parameter name occurs more than once.
    public var hasRepeatedName: Bool {
        if let index { return index.values.contains(-1) }
        for (position, pair) in pairs.enumerated() where pairs[..<position].contains(where: { $0.name == pair.name }) {
            return true
        }
        return false
    }

    /// The single value of a parameter, or `nil` when it is absent or empty (RFC 6749 §3.1 treats a
    /// parameter without a value as omitted).
    /// - Parameter name: One of the names the engine knows (it appears in the error text, so it must
    ///   never be a name the client sent).
    /// - Throws: ``OAuthError/invalidRequest(_:)`` when the parameter is repeated.
    public func value(_ name: String) throws(OAuthError) -> String? {
        let found: String?
        if let index {
            switch index[name] {
            case nil: found = nil
            case -1: throw .invalidRequest("the \(name) parameter is repeated")
            case let position?: found = pairs[position].value
            }
        } else {
            var scanned: String?
            for pair in pairs where pair.name == name {
                if scanned != nil { throw .invalidRequest("the \(name) parameter is repeated") }
                scanned = pair.value
            }
            found = scanned
        }
        guard let found, !found.isEmpty else { return nil }
        return found
    }

    /// Whether the parameter is present with a non-empty value.
    public func contains(_ name: String) -> Bool {
        if let index {
            guard let position = index[name] else { return false }
            return position == -1 || !pairs[position].value.isEmpty
        }
        return pairs.contains { $0.name == name && !$0.value.isEmpty }
    }
}
