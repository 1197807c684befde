import Synchronization

/// The decoded form of one stored plugin state value, kept beside its bytes by the stores of this
/// package, so a status check on every token poll does not decode the same JSON again.
///
/// A store gives each stored value its own cache and a new one whenever the value changes, so a cached
/// value always belongs to the bytes it travels with.
package final class DecodedStateCache: Sendable {
    private let decoded: Mutex<(any Sendable)?>

    package init(_ value: (any Sendable)? = nil) {
        decoded = Mutex(value)
    }

    /// The cached value, if one of this type was stored.
    package func value<Value: Sendable>(as type: Value.Type) -> Value? {
        decoded.withLock { $0 as? Value }
    }

    /// Caches a decoded value.
    package func store(_ value: some Sendable) {
        decoded.withLock { $0 = value }
    }
}
