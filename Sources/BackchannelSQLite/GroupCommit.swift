import GRDB
import Metrics
import Synchronization

/// The store's writes from concurrent requests, committed together: every write that arrives while one
/// transaction commits joins the next, so a busy server commits once for many requests instead of once
/// per request (each commit appends every page it touched to the WAL; a batch shares the pages).
///
/// Durability is unchanged: a caller is answered only after the transaction holding its write has
/// committed, so an acknowledged request survives the process dying. A write that fails (rare: a
/// constraint) must not take the others down, nor leave half of itself behind: the batch is then rolled
/// back and its writes run again one transaction each, so the failing one is rolled back alone and
/// answers its own error. If a commit itself fails, the writes it held answer that error. (Savepoints
/// around every write would do the same at two more statements per write on the common path.)
///
/// Between two batches the database queue is free, so point reads (`SQLiteStore.readNow`) never wait
/// behind more than one batch.
final class GroupCommit: Sendable {
    private struct Write: Sendable {
        /// Runs the write on the database queue, inside a transaction, keeping its outcome.
        /// - Returns: whether it succeeded.
        let perform: @Sendable (Database) -> Bool
        /// Answers the caller: with the kept outcome, or with the commit's error.
        let finish: @Sendable ((any Error)?) -> Void
    }

    private struct Queue {
        var writes: [Write] = []
        var draining = false
        var statistics = Statistics()
        /// Tests waiting for so many writes to wait (``waitForWaiting(_:)``); empty in service.
        var watchers: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    /// What the batches have been so far (the metrics say the same to Prometheus).
    struct Statistics: Equatable {
        var commits = 0
        var writes = 0
        var largestBatch = 0
    }

    /// One write's outcome, set on the database queue and read once after the commit.
    private final class Outcome<T>: @unchecked Sendable {
        var result: Result<T, any Error>?
    }

    /// Thrown inside a batch's transaction to roll it back when one of its writes failed.
    private struct WriteFailed: Error {}

    /// How one write of a batch ended.
    private enum CommitOutcome: Sendable {
        /// Committed (its outcome is its answer).
        case committed
        /// It failed and was rolled back alone (its outcome is its error).
        case rolledBack
        /// The transaction holding it could not commit.
        case failed(any Error)
    }

    /// Commits `batch` in one transaction; if one of its writes fails, rolls that back and commits each
    /// write alone, in order.
    private static func commit(_ batch: [Write], in db: Database) -> [CommitOutcome] {
        do {
            try db.inTransaction {
                for write in batch where !write.perform(db) { throw WriteFailed() }
                return .commit
            }
            return Array(repeating: .committed, count: batch.count)
        } catch is WriteFailed {
            return batch.map { write in
                do {
                    var succeeded = false
                    try db.inTransaction {
                        succeeded = write.perform(db)
                        return succeeded ? .commit : .rollback
                    }
                    return succeeded ? .committed : .rolledBack
                } catch {
                    return .failed(error)
                }
            }
        } catch {
            return Array(repeating: .failed(error), count: batch.count)
        }
    }

    private let database: DatabaseQueue
    private let queue = Mutex(Queue())
    private let commits = Counter(label: "backchannel_sqlite_commits_total")
    private let committedWrites = Counter(label: "backchannel_sqlite_committed_writes_total")

    init(database: DatabaseQueue) {
        self.database = database
    }

    /// The batches committed so far.
    var statistics: Statistics { queue.withLock { $0.statistics } }

    /// Writes waiting for the next batch.
    var waiting: Int { queue.withLock { $0.writes.count } }

    /// Suspends until `count` writes wait for the next batch: the event a test waits for while it holds the
    /// database queue, instead of polling ``waiting``.
    func waitForWaiting(_ count: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = queue.withLock { queue -> Bool in
                guard queue.writes.count < count else { return true }
                queue.watchers.append((count, continuation))
                return false
            }
            if now { continuation.resume() }
        }
    }

    private static func satisfied(
        _ watchers: inout [(count: Int, continuation: CheckedContinuation<Void, Never>)], by waiting: Int
    ) -> [CheckedContinuation<Void, Never>] {
        defer { watchers.removeAll { $0.count <= waiting } }
        return watchers.filter { $0.count <= waiting }.map(\.continuation)
    }

    /// Runs `update` in the next batch and answers its result once that batch has committed.
    func write<T: Sendable>(_ update: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let outcome = Outcome<T>()
            let write = Write(
                perform: { db in
                    let result = Result { try update(db) }
                    outcome.result = result
                    if case .success = result { return true }
                    return false
                },
                finish: { commitError in
                    if let commitError {
                        continuation.resume(throwing: commitError)
                    } else if let result = outcome.result {
                        continuation.resume(with: result)
                    } else {
                        continuation.resume(throwing: DatabaseError(resultCode: .SQLITE_ABORT, message: "the write did not run"))
                    }
                })
            let (leads, watchers) = queue.withLock { queue in
                queue.writes.append(write)
                defer { queue.draining = true }
                return (!queue.draining, queue.watchers.isEmpty ? [] : Self.satisfied(&queue.watchers, by: queue.writes.count))
            }
            for watcher in watchers { watcher.resume() }
            // The write that finds the queue idle starts the drain; the others join its batches.
            if leads { Task { await self.drain() } }
        }
    }

    /// Commits batches until no write is waiting.
    private func drain() async {
        while true {
            let batch = queue.withLock { queue in
                let batch = queue.writes
                queue.writes.removeAll(keepingCapacity: true)
                if batch.isEmpty { queue.draining = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            let outcomes: [CommitOutcome]
            do {
                outcomes = try await database.writeWithoutTransaction { db in Self.commit(batch, in: db) }
            } catch {
                outcomes = Array(repeating: .failed(error), count: batch.count)
            }
            let committed = outcomes.count(where: { if case .committed = $0 { true } else { false } })
            // One transaction when every write committed together; else one per committed write.
            let transactions = committed == batch.count ? 1 : committed
            queue.withLock { queue in
                queue.statistics.commits += transactions
                queue.statistics.writes += committed
                queue.statistics.largestBatch = max(queue.statistics.largestBatch, batch.count)
            }
            commits.increment(by: transactions)
            committedWrites.increment(by: committed)
            for (write, outcome) in zip(batch, outcomes) {
                if case .failed(let error) = outcome { write.finish(error) } else { write.finish(nil) }
            }
        }
    }
}
