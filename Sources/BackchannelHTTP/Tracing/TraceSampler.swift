import Synchronization

/// Which new traces are recorded: `ratio` of them, spread evenly (the n-th request starts a recorded trace
/// when n × ratio passes a whole number), decided before any span, ID or context is made, so an
/// unrecorded request costs one atomic increment.
final class TraceSampler: Sendable {
    private let ratio: Double
    private let count = Atomic<UInt64>(0)

    init(ratio: Double) {
        self.ratio = ratio
    }

    func sample() -> Bool {
        if ratio >= 1 { return true }
        if ratio <= 0 { return false }
        let n = Double(count.add(1, ordering: .relaxed).oldValue)
        return ((n + 1) * ratio).rounded(.down) > (n * ratio).rounded(.down)
    }

    /// Whether a W3C `traceparent` (`00-<trace id>-<parent id>-<flags>`) asks for its trace to be recorded;
    /// `nil` when it is malformed (the request then starts a trace of its own).
    static func sampled(traceparent: String) -> Bool? {
        let parts = traceparent.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 4, parts[0].utf8.count == 2, parts[0] != "ff", parts[1].utf8.count == 32, parts[2].utf8.count == 16,
            parts[3].utf8.count == 2, let flags = UInt8(parts[3], radix: 16), parts[1].allSatisfy(\.isHexDigit), parts[2].allSatisfy(\.isHexDigit),
            parts[1] != String(repeating: "0", count: 32), parts[2] != String(repeating: "0", count: 16)
        else { return nil }
        return flags & 1 == 1
    }
}
