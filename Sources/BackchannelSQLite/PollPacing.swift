import Foundation
import BackchannelCore

/// When each pending request was last polled: the bookkeeping behind CIBA's `slow_down`, kept in this
/// process's memory so that a token poll on the SQLite store reads one row and writes nothing.
///
/// The SQLite store serves one process, so memory sees every poll. A restart forgets the marks, which
/// only means the first poll after it is not slowed down; grown intervals are stored in the row, since a
/// `slow_down` is rare and must outlive the process.
final class PollPacing: Sendable {
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
