import Foundation
import Synchronization

/// The abuse limits' counts in this process's memory: right for one process (SQLite, memory), and
/// forgotten on restart.
///
/// Memory stays bounded without ever scanning it: what may be dropped later (a member at its `until`, a
/// bucket when it will have refilled) is filed under that second, and every operation looks at a few of
/// the entries whose second has come. Each operation's work is O(1), whatever the number of pending
/// requests.
public final class InMemoryLimitStore: LimitStore {
    private struct Bucket {
        var tokens: Double
        var at: Date
        var capacity: Double
        var rate: Double
        /// Filed for a look once it will have refilled.
        var filed = false

        /// When it will be full again.
        var fullAt: Date { at.addingTimeInterval(max(0, capacity - tokens) / rate) }
    }

    /// Something to look at once its second has come.
    private enum Due {
        case member(String)
        case bucket(String)
    }

    private struct State {
        var buckets: [String: Bucket] = [:]
        var members: [String: [String: Date]] = [:]  // key → member → until
        var keysOfMember: [String: [String]] = [:]
        var due: [Int64: [Due]] = [:]  // second → what to look at then
        var sweptThrough: Int64?  // every second up to this one is in `current` or done
        var current: [Due] = []
    }

    /// Entries (or empty seconds) each operation looks at, more than the one entry an operation can add.
    private static let sweepBudget = 16

    private let state = Mutex(State())

    /// Creates an empty store.
    public init() {}

    /// What the store holds (for tests of its bounds).
    var sizes: (buckets: Int, members: Int, filed: Int) {
        state.withLock { state in
            (state.buckets.count, state.keysOfMember.count, state.due.values.reduce(state.current.count) { $0 + $1.count })
        }
    }

    public func take(bucket key: String, capacity: Double, refillPerSecond: Double, now: Date) async throws -> TimeInterval? {
        state.withLock { state in
            Self.sweep(&state, now: now)
            var bucket = Self.refilled(state.buckets[key], capacity: capacity, rate: refillPerSecond, now: now)
            guard bucket.tokens >= 1 else { return (1 - bucket.tokens) / refillPerSecond }
            bucket.tokens -= 1
            if !bucket.filed {
                bucket.filed = true
                Self.file(.bucket(key), at: bucket.fullAt, in: &state)
            }
            state.buckets[key] = bucket
            return nil
        }
    }

    public func giveBack(bucket key: String, capacity: Double, refillPerSecond: Double, now: Date) async throws {
        state.withLock { state in
            guard state.buckets[key] != nil else { return }  // dropped once full: nothing to give back to
            var bucket = Self.refilled(state.buckets[key], capacity: capacity, rate: refillPerSecond, now: now)
            bucket.tokens = min(capacity, bucket.tokens + 1)
            state.buckets[key] = bucket
        }
    }

    public func wait(bucket key: String, capacity: Double, refillPerSecond: Double, now: Date) async throws -> TimeInterval {
        state.withLock { state in
            let bucket = Self.refilled(state.buckets[key], capacity: capacity, rate: refillPerSecond, now: now)
            return bucket.tokens >= 1 ? 0 : (1 - bucket.tokens) / refillPerSecond
        }
    }

    public func admit(member: String, caps: [(key: String, cap: Int)], until: Date, now: Date) async throws -> Bool {
        state.withLock { state in
            Self.sweep(&state, now: now)
            for (key, cap) in caps {
                var counted = state.members[key] ?? [:]
                if counted.count >= cap {
                    // Only a full key pays for dropping its lapsed members: cost bounded by the cap.
                    counted = counted.filter { $0.value > now }
                    state.members[key] = counted.isEmpty ? nil : counted
                }
                guard counted.count < cap else { return false }
            }
            for (key, _) in caps { state.members[key, default: [:]][member] = until }
            state.keysOfMember[member] = caps.map(\.key)
            Self.file(.member(member), at: until, in: &state)
            return true
        }
    }

    public func release(member: String) async throws -> [String] {
        state.withLock { state in
            guard let keys = state.keysOfMember.removeValue(forKey: member) else { return [] }
            for key in keys {
                state.members[key]?[member] = nil
                if state.members[key]?.isEmpty == true { state.members[key] = nil }
            }
            return keys
        }
    }

    private static func refilled(_ bucket: Bucket?, capacity: Double, rate: Double, now: Date) -> Bucket {
        guard var bucket else { return Bucket(tokens: capacity, at: now, capacity: capacity, rate: rate) }
        bucket.tokens = min(capacity, bucket.tokens + max(0, now.timeIntervalSince(bucket.at)) * rate)
        bucket.at = now
        bucket.capacity = capacity
        bucket.rate = rate
        return bucket
    }

    /// Files `entry` under the second `date` falls in (rounded up, so it is looked at once `date` has
    /// passed), never under a second already swept.
    private static func file(_ entry: Due, at date: Date, in state: inout State) {
        var second = Int64(date.timeIntervalSince1970.rounded(.up))
        if let swept = state.sweptThrough, second <= swept { second = swept + 1 }
        state.due[second, default: []].append(entry)
    }

    /// Looks at up to `sweepBudget` entries whose second has come: a member past its `until` stops
    /// counting, a bucket that has refilled is dropped (a full bucket is the same as none), one that was
    /// taken from since is filed again for when it will have refilled.
    private static func sweep(_ state: inout State, now: Date) {
        let second = Int64(now.timeIntervalSince1970.rounded(.down))
        guard let swept = state.sweptThrough else {
            state.sweptThrough = second
            return
        }
        var budget = sweepBudget
        var sweptThrough = swept
        while budget > 0 {
            budget -= 1
            guard let entry = state.current.popLast() else {
                guard sweptThrough < second else { break }
                guard !state.due.isEmpty else {
                    sweptThrough = second  // nothing filed: no second to look at
                    break
                }
                sweptThrough += 1
                state.current = state.due.removeValue(forKey: sweptThrough) ?? []
                continue
            }
            switch entry {
            case .member(let member):
                // Released already, or admitted again with a later `until` (filed again for then).
                guard let keys = state.keysOfMember[member], !keys.contains(where: { state.members[$0]?[member].map { $0 > now } ?? false })
                else { continue }
                for key in keys {
                    state.members[key]?[member] = nil
                    if state.members[key]?.isEmpty == true { state.members[key] = nil }
                }
                state.keysOfMember[member] = nil
            case .bucket(let key):
                guard var bucket = state.buckets[key] else { continue }
                if bucket.fullAt <= now {
                    state.buckets[key] = nil
                } else {
                    bucket.filed = true
                    state.buckets[key] = bucket
                    state.sweptThrough = sweptThrough
                    file(.bucket(key), at: bucket.fullAt, in: &state)
                }
            }
        }
        state.sweptThrough = sweptThrough
    }
}
