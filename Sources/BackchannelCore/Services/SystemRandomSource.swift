/// The operating system's CSPRNG (`getrandom` on Linux, `SecRandomCopyBytes` on Apple platforms),
/// through the standard library's `SystemRandomNumberGenerator`.
public struct SystemRandomSource: RandomSource {
    /// Creates the source.
    public init() {}

    public func bytes(count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }
}
