import Foundation

/// Where the abuse limits keep their counts: token buckets, and the members (pending requests) counted
/// against a cap. One process's memory for SQLite and memory deployments; PostgreSQL when several
/// nodes share one database, so every node counts against the same limits.
///
/// Every method costs O(1) in the number of pending requests (a cap's count is bounded by the cap).
public protocol LimitStore: Sendable {
    /// Takes one token from the bucket `key`, which holds at most `capacity` tokens and gains
    /// `refillPerSecond` a second.
    /// - Returns: `nil` when a token was taken; else the seconds until one will be there.
    func take(bucket key: String, capacity: Double, refillPerSecond: Double, now: Date) async throws -> TimeInterval?

    /// Gives back one token taken from the bucket `key` for a request a later limit refused (never beyond
    /// `capacity`): a refused request spends nothing.
    func giveBack(bucket key: String, capacity: Double, refillPerSecond: Double, now: Date) async throws

    /// The seconds until the bucket `key` has a token (0 when it has one now), taking nothing.
    func wait(bucket key: String, capacity: Double, refillPerSecond: Double, now: Date) async throws -> TimeInterval

    /// Counts `member` against each of `caps` (a key and its cap) until `until`, if every key has room;
    /// members whose `until` has passed no longer count.
    /// - Returns: whether it was admitted; when not, nothing was counted.
    func admit(member: String, caps: [(key: String, cap: Int)], until: Date, now: Date) async throws -> Bool

    /// Stops counting `member`. - Returns: the keys it was counted against (empty when it was not).
    func release(member: String) async throws -> [String]

    /// Stops counting every one of `members` at once (the expiry sweep's batch; PostgreSQL: one statement).
    func release(members: [String]) async throws

    /// Checks every limit of an authentication request, in ``LimitAdmission``'s order, and counts its
    /// member if all pass; a refusal takes nothing (tokens taken before it are given back): the same as ``wait(bucket:capacity:refillPerSecond:now:)``,
    /// ``take(bucket:capacity:refillPerSecond:now:)`` and ``admit(member:caps:until:now:)`` called in
    /// turn (the default), which a database store answers in one round trip (PostgreSQL: one function).
    func admit(_ admission: LimitAdmission, now: Date) async throws -> LimitVerdict
}

extension LimitStore {
    /// Releases them one by one.
    public func release(members: [String]) async throws {
        for member in members { _ = try await release(member: member) }
    }
}
