import Foundation
import Synchronization

/// Tokens a node took from a large shared rate bucket ahead of need, spent locally for a second.
///
/// Every node updating one row per request (a client's bucket, at hundreds of requests a second) makes
/// that row the hottest lock in the database: each update waits for the one before it to commit. A node
/// takes a batch of tokens in one update instead and hands them out from memory, so the row is written
/// once per batch. The limit is never exceeded (the tokens left the shared bucket when taken); at worst a
/// node holds a batch less one unused for a second, so a client at its limit is admitted slightly less.
/// Small buckets (a user's burst, cool-downs, `user_code` failures) are taken one token at a time.
final class BucketLeases: Sendable {
    private struct Lease {
        var tokens: Int
        var until: Date
    }

    private struct State {
        var leases: [String: Lease] = [:]
        /// Prune when there are more keys than this; doubling keeps the pruning's cost constant per hold.
        var pruneAt = BucketLeases.pruneAbove
    }

    private let state = Mutex(State())
    /// How long taken tokens stay usable here.
    static let lifetime: TimeInterval = 1
    /// Past this many keys, expired leases are dropped (each key's lease lives a second).
    static let pruneAbove = 10_000

    /// How many tokens to take at once from a bucket of `capacity`: one under 100, then a fiftieth of the
    /// capacity, at most 16.
    static func batch(capacity: Double) -> Int {
        capacity < 100 ? 1 : Int(min(16, capacity / 50))
    }

    /// What ``spend(_:now:)`` found.
    enum Spending: Equatable {
        /// A held token was spent.
        case spent
        /// None held: the lease of this second ran out. The bucket is hot (its row wanted by request after
        /// request), so the next batch is best taken in a statement of its own, which holds the row's lock no
        /// longer than itself.
        case hot
        /// None held, and no lease ran out this second.
        case cold
    }

    /// Spends a token held for `key`, if one is.
    func spend(_ key: String, now: Date) -> Spending {
        state.withLock { state in
            guard var lease = state.leases[key], lease.until > now else { return .cold }
            guard lease.tokens > 0 else { return .hot }
            lease.tokens -= 1
            state.leases[key] = lease
            return .spent
        }
    }

    /// Gives back a token spent by ``spend(_:now:)`` (or taken with a batch) for a request that was refused
    /// before it needed it.
    func refund(_ key: String, now: Date) {
        state.withLock { state in
            guard var lease = state.leases[key], lease.until > now else { return }
            lease.tokens += 1
            state.leases[key] = lease
        }
    }

    /// Holds `tokens` more for `key` until a second from `now`, beside any still held: requests that found
    /// the lease empty at the same moment each take a batch, and none of those tokens may be lost.
    func hold(_ tokens: Int, for key: String, now: Date) {
        state.withLock { state in
            if state.leases.count > state.pruneAt {
                state.leases = state.leases.filter { $0.value.until > now }
                state.pruneAt = max(Self.pruneAbove, 2 * state.leases.count)
            }
            let held = state.leases[key].map { $0.until > now ? $0.tokens : 0 } ?? 0
            state.leases[key] = Lease(tokens: held + tokens, until: now.addingTimeInterval(Self.lifetime))
        }
    }
}
