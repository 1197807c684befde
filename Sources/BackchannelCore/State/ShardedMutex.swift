import Synchronization

/// State split into independently locked shards, each key's part found by the key's hash: a map that
/// many tasks read and write at once without queueing on one lock.
///
/// The in-memory stores of this package keep their records in one, and a plugin can keep per-request
/// bookkeeping (timers, counters) the same way:
///
/// ```swift
/// let timers = ShardedMutex<[AuthReqId: Task<Void, Never>]>(makeShard: { [:] })
/// timers.withLock(for: authReqId) { $0[authReqId] = task }
/// ```
///
/// A key always maps to the same shard within a process (Swift's hashes are seeded per process), so the
/// body of ``withLock(for:_:)`` sees every earlier change for that key.
package final class ShardedMutex<Shard: Sendable>: Sendable {
    // `Mutex` is not copyable, so it cannot be an array's element; each shard's lock lives in an object.
    private final class Locked: Sendable {
        let mutex: Mutex<Shard>
        init(_ shard: sending Shard) { mutex = Mutex(shard) }
    }

    private let shards: [Locked]

    /// Creates `shardCount` shards (at least one), each made by `makeShard`.
    package init(shardCount: Int = 64, makeShard: () -> Shard) {
        shards = (0..<max(1, shardCount)).map { _ in Locked(makeShard()) }
    }

    /// How many shards there are.
    package var shardCount: Int { shards.count }

    /// Runs `body` with exclusive access to the shard that holds `key`.
    package func withLock<Key: Hashable, Result>(for key: Key, _ body: (inout Shard) throws -> Result) rethrows -> Result {
        try shards[Int(UInt(bitPattern: key.hashValue) % UInt(shards.count))].mutex.withLock { try body(&$0) }
    }

    /// Runs `body` on every shard in turn, each under its own lock: for sweeps and counts, which see
    /// each shard consistent but not all of them at one instant.
    package func forEachShard(_ body: (inout Shard) throws -> Void) rethrows {
        for shard in shards { try shard.mutex.withLock { try body(&$0) } }
    }
}
