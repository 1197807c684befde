import BackchannelCore
import DequeModule
import Foundation
import Synchronization

/// A bounded cache of a remote directory's answers: users found (for `ttl`), and misses (for `negativeTTL`),
/// so a burst of requests for one user, or for unknown ones, does not reach the directory each time. Failures
/// are never kept: the next lookup asks again.
///
/// At most `capacity` entries; past it, the oldest entry goes first (a queue of keys), so a flood of
/// distinct hints costs the cache its oldest entries, never unbounded memory.
final class DirectoryCache: Sendable {
    struct Settings: Sendable, Equatable {
        var ttl: TimeInterval
        var negativeTTL: TimeInterval
        var capacity: Int
    }

    private struct Entry {
        var user: DirectoryUser?
        var until: Date
        var generation: UInt64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var order = Deque<(key: String, generation: UInt64)>()
        var generation: UInt64 = 0
    }

    let settings: Settings
    private let state = Mutex(State())

    init(_ settings: Settings) {
        self.settings = settings
    }

    /// The answer kept for `key` and still fresh at `now`: `.some(nil)` for a kept miss; `nil` when none.
    func answer(for key: String, now: Date) -> DirectoryUser?? {
        state.withLock { state in
            guard let entry = state.entries[key], entry.until > now else { return nil }
            return .some(entry.user)
        }
    }

    /// Keeps `user` (or a miss) as the answer for `key` from `now`.
    func keep(_ user: DirectoryUser?, for key: String, now: Date) {
        let lifetime = user == nil ? settings.negativeTTL : settings.ttl
        guard lifetime > 0, settings.capacity > 0 else { return }
        state.withLock { state in
            state.generation &+= 1
            state.entries[key] = Entry(user: user, until: now.addingTimeInterval(lifetime), generation: state.generation)
            state.order.append((key, state.generation))
            // A key kept again leaves its older place in the queue behind: skipped here when it comes up.
            while state.entries.count > settings.capacity || state.order.count > 2 * settings.capacity, let oldest = state.order.popFirst() {
                if state.entries[oldest.key]?.generation == oldest.generation { state.entries[oldest.key] = nil }
            }
        }
    }

    /// How many answers are kept.
    var count: Int { state.withLock { $0.entries.count } }
}
