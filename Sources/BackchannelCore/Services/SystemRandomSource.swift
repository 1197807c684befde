#if canImport(Glibc)
import Glibc
#endif

/// The operating system's CSPRNG: `getentropy` (the `getrandom` system call) on Linux, the standard
/// library's `SystemRandomNumberGenerator` elsewhere.
///
/// A request's bytes come from one system call on Linux: drawing them one at a time cost a system call
/// per byte, a tenth of every backchannel authentication request.
public struct SystemRandomSource: RandomSource {
    /// Creates the source.
    public init() {}

    public func bytes(count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var filled = 0
            #if canImport(Glibc)
            // getentropy gives at most 256 bytes a call and fails only where getrandom is missing.
            while filled < count, getentropy(buffer.baseAddress! + filled, min(256, count - filled)) == 0 {
                filled += min(256, count - filled)
            }
            #endif
            var generator = SystemRandomNumberGenerator()
            while filled < count {
                let word = generator.next()
                for shift in stride(from: 0, to: 64, by: 8) where filled < count {
                    buffer[filled] = UInt8(truncatingIfNeeded: word >> UInt64(shift))
                    filled += 1
                }
            }
            initialized = count
        }
    }
}
