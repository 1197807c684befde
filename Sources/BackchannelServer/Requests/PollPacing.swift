import BackchannelCore
import Foundation

/// When each pending request was last polled on this node: the bookkeeping behind CIBA's `slow_down`
/// (CIBA Core §11), kept in the engine's memory so that a poll reads its request and writes nothing.
///
/// The rule is the engine's, in one place: a poll of a pending, unexpired request sooner than its interval
/// after the owner's previous poll is answered `slow_down`, and the interval grows by 5 seconds in the store
/// (every node, and every later poll, sees the grown interval). Where several nodes serve, each paces the
/// polls it answers (CIBA lets the OP choose how strictly it enforces the interval); a restart forgets the
/// marks, which only means the first poll after it is not slowed down.
final class PollPacing: Sendable {
    /// How much a `slow_down` grows the interval (CIBA Core §11: "at least 5 seconds").
    static let growth = 5

    // Independently locked shards, so that concurrent polls do not contend on one lock.
    private let lastPolls = ShardedMutex<[String: Date]> { [:] }

    /// Records a poll at `now`. - Returns: the previous poll's time, if any.
    func recordPoll(authReqIdHash: String, at now: Date) -> Date? {
        lastPolls.withLock(for: authReqIdHash) { $0.updateValue(now, forKey: authReqIdHash) }
    }

    /// The last poll's time, if any.
    func lastPoll(authReqIdHash: String) -> Date? {
        lastPolls.withLock(for: authReqIdHash) { $0[authReqIdHash] }
    }

    /// Forgets a request that is no longer pending.
    func forget(authReqIdHash: String) {
        _ = lastPolls.withLock(for: authReqIdHash) { $0.removeValue(forKey: authReqIdHash) }
    }
}
