/// A source of cryptographically secure random bytes, injected so tests can be repeatable.
public protocol RandomSource: Sendable {
    /// Fills a new array with `count` random bytes.
    func bytes(count: Int) -> [UInt8]
}

extension RandomSource {
    /// A random number in `0..<upperBound`, without modulo bias.
    public func integer(below upperBound: UInt32) -> UInt32 {
        precondition(upperBound > 0)
        // Rejection sampling: discard the top partial range so every result is equally likely.
        let limit = UInt32.max - UInt32.max % upperBound
        while true {
            let b = bytes(count: 4)
            let value = UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])
            if value < limit { return value % upperBound }
        }
    }
}
