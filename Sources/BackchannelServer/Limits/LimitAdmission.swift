import Foundation

/// Every limit an authentication request must pass before anyone is reached, checked in this order:
/// the client's cool-down for the user (waited on, nothing taken), one token from each rate bucket in
/// turn, then a place under every cap on pending requests. A request refused by any of them spends
/// nothing: the tokens taken before the refusal are given back, so one client's refused requests never
/// drain a user's rate for the others. A store checks them all in one call, which a database store
/// answers in one round trip.
public struct LimitAdmission: Sendable {
    /// A token bucket: at most `capacity` tokens, gaining `refillPerSecond` a second.
    public struct Bucket: Sendable, Equatable {
        /// The bucket's key.
        public var key: String
        /// The most tokens it holds.
        public var capacity: Double
        /// Tokens gained per second.
        public var refillPerSecond: Double

        /// Creates a bucket description.
        public init(key: String, capacity: Double, refillPerSecond: Double) {
            self.key = key
            self.capacity = capacity
            self.refillPerSecond = refillPerSecond
        }
    }

    /// A cap on the members counted under `key`.
    public struct Cap: Sendable, Equatable {
        /// The count's key.
        public var key: String
        /// The most members it counts.
        public var limit: Int

        /// Creates a cap.
        public init(key: String, limit: Int) {
            self.key = key
            self.limit = limit
        }
    }

    /// Refuses while it holds less than one token; nothing is taken from it.
    public var cooldown: Bucket
    /// One token is taken from each, in order.
    public var buckets: [Bucket]
    /// What is counted against the caps (the request's `auth_req_id` hash).
    public var member: String
    /// The caps, each with room for the member, or the member counts nowhere.
    public var caps: [Cap]
    /// When the member stops counting by itself.
    public var until: Date

    /// Creates an admission.
    public init(cooldown: Bucket, buckets: [Bucket], member: String, caps: [Cap], until: Date) {
        self.cooldown = cooldown
        self.buckets = buckets
        self.member = member
        self.caps = caps
        self.until = until
    }
}

/// What ``LimitStore/admit(_:now:)`` decided.
public enum LimitVerdict: Sendable, Equatable {
    /// Every limit passed; the member counts against every cap.
    case admitted
    /// The cool-down bucket was empty; nothing was taken or counted.
    case coolingDown
    /// ``LimitAdmission/buckets``[`bucket`] was empty: nothing was taken or counted.
    case rateLimited(bucket: Int)
    /// A cap had no room: nothing was taken or counted.
    case capReached
}

/// A failure of the limit store itself, as opposed to the pending-request store, where one call asks both
/// (``PendingRequestStore/insert(_:admitting:in:now:)``).
public struct LimitStoreFailure: Error, CustomStringConvertible {
    /// What the limit store threw.
    public let underlying: any Error

    /// Wraps `underlying`.
    public init(_ underlying: any Error) {
        self.underlying = underlying
    }

    public var description: String { "\(underlying)" }
}

extension LimitStore {
    /// Checks the limits one call at a time, in the order ``LimitAdmission`` gives, and gives back what a
    /// refused request took.
    public func admit(_ admission: LimitAdmission, now: Date) async throws -> LimitVerdict {
        let cooldown = admission.cooldown
        if try await wait(bucket: cooldown.key, capacity: cooldown.capacity, refillPerSecond: cooldown.refillPerSecond, now: now) > 0 {
            return .coolingDown
        }
        func giveBackAll(_ taken: ArraySlice<LimitAdmission.Bucket>) async throws {
            for bucket in taken { try await self.giveBack(bucket: bucket.key, capacity: bucket.capacity, refillPerSecond: bucket.refillPerSecond, now: now) }
        }
        for (index, bucket) in admission.buckets.enumerated() {
            if try await take(bucket: bucket.key, capacity: bucket.capacity, refillPerSecond: bucket.refillPerSecond, now: now) != nil {
                try await giveBackAll(admission.buckets[..<index])
                return .rateLimited(bucket: index)
            }
        }
        let caps = admission.caps.map { (key: $0.key, cap: $0.limit) }
        if try await admit(member: admission.member, caps: caps, until: admission.until, now: now) { return .admitted }
        try await giveBackAll(admission.buckets[...])
        return .capReached
    }
}
