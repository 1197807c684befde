import Foundation
import Synchronization

/// The abuse limits' counts in this process's memory: right for one process (SQLite, memory), and
/// forgotten on restart.
///
/// Memory stays bounded: full buckets and members past their `until` are dropped as they are met, and
/// a sweep every few thousand operations clears what nobody met again.
public final class InMemoryLimitStore: LimitStore {
    private struct Bucket {
        var tokens: Double
        var at: Date
        var full: Bool
    }

    private struct State {
        var buckets: [String: Bucket] = [:]
        var members: [String: [String: Date]] = [:]  // key → member → until
        var keysOfMember: [String: [String]] = [:]
        var operations = 0
    }

    private let state = Mutex(State())

    /// Creates an empty store.
    public init() {}

    public func take(bucket key: String, capacity: Double, refillPerSecond: Double, now: Date) async throws -> TimeInterval? {
        state.withLock { state in
            Self.sweepIfDue(&state, now: now)
            var bucket = Self.refilled(state.buckets[key], capacity: capacity, rate: refillPerSecond, now: now)
            guard bucket.tokens >= 1 else { return (1 - bucket.tokens) / refillPerSecond }
            bucket.tokens -= 1
            bucket.full = false
            state.buckets[key] = bucket
            return nil
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
        guard let bucket else { return Bucket(tokens: capacity, at: now, full: true) }
        let tokens = min(capacity, bucket.tokens + max(0, now.timeIntervalSince(bucket.at)) * rate)
        return Bucket(tokens: tokens, at: now, full: tokens >= capacity)
    }

    /// Every 4 096 operations: drop buckets that have refilled (a full bucket is the same as none) and
    /// members past their `until`. Amortised O(1) per operation.
    private static func sweepIfDue(_ state: inout State, now: Date) {
        state.operations += 1
        guard state.operations % 4096 == 0 else { return }
        // A bucket untouched for an hour is full under any configured rate worth the name.
        state.buckets = state.buckets.filter { !$0.value.full && now.timeIntervalSince($0.value.at) < 3600 }
        for (key, counted) in state.members {
            let live = counted.filter { $0.value > now }
            state.members[key] = live.isEmpty ? nil : live
            for (member, _) in counted where live[member] == nil { state.keysOfMember[member] = nil }
        }
    }
}
