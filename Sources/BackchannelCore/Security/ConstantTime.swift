/// Comparison of secrets (codes, tokens, their hashes) in time that depends only on their length, so
/// an attacker cannot learn a secret byte by byte from how long a wrong guess takes.
public enum ConstantTime {
    /// Whether the two are equal, comparing every byte whatever the first difference.
    public static func equals(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8)
        let b = Array(rhs.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
