import GRDB
import Metrics
import Synchronization

/// The store's writes from concurrent requests, committed together: every write that arrives while one
/// transaction commits joins the next, so a busy server commits once for many requests instead of once
/// per request (each commit appends every page it touched to the WAL; a batch shares the pages).
///
/// Durability is unchanged: a caller is answered only after the transaction holding its write has
/// committed, so an acknowledged request survives the process dying. Each write runs in its own
/// savepoint: one that fails is rolled back alone and answers its own error, the others commit; if the
/// commit itself fails, every write of the batch answers that error.
///
/// Between two batches the database queue is free, so point reads (`SQLiteStore.readNow`) never wait
/// behind more than one batch.
final class GroupCommit: Sendable {
    private struct Write: Sendable {
        /// Runs the write on the database queue, inside the batch's transaction, keeping its outcome.
        let perform: @Sendable (Database) -> Void
        /// Answers the caller: with the kept outcome, or with the commit's error.
        let finish: @Sendable ((any Error)?) -> Void
    }

    private struct Queue {
        var writes: [Write] = []
        var draining = false
        var statistics = Statistics()
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

    /// Runs `update` in the next batch and answers its result once that batch has committed.
    func write<T: Sendable>(_ update: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let outcome = Outcome<T>()
            let write = Write(
                perform: { db in
                    outcome.result = Result {
                        var value: T?
                        try db.inSavepoint {
                            value = try update(db)
                            return .commit
                        }
                        return value!
                    }
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
            let leads = queue.withLock { queue in
                queue.writes.append(write)
                defer { queue.draining = true }
                return !queue.draining
            }
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
            do {
                try await database.writeWithoutTransaction { db in
                    try db.inTransaction {
                        for write in batch { write.perform(db) }
                        return .commit
                    }
                }
                queue.withLock { queue in
                    queue.statistics.commits += 1
                    queue.statistics.writes += batch.count
                    queue.statistics.largestBatch = max(queue.statistics.largestBatch, batch.count)
                }
                commits.increment()
                committedWrites.increment(by: batch.count)
                for write in batch { write.finish(nil) }
            } catch {
                for write in batch { write.finish(error) }
            }
        }
    }
}
