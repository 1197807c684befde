import BackchannelCore
import BackchannelServer
import Foundation
import GRDB

/// Everything a `backchanneld` process keeps, in one SQLite file in WAL mode: pending requests and
/// their outcomes, plugin state, and the generated signing key. The embedded default store.
///
/// Every state transition is one SQL statement, so it is atomic; the file survives the process dying at
/// any point (WAL), and a restart carries on where the last process stopped. The request path's writes
/// from concurrent requests commit together (``GroupCommit``), each answered only once it is committed.
///
/// The file belongs to one process: it is opened with an exclusive lock (a second server on the same
/// data directory fails to start instead of sharing it), which spares every statement SQLite's
/// cross-process locking and lets what it read recently live in memory. Several server processes share
/// state through PostgreSQL. No call blocks a thread of the cooperative pool: reads and writes suspend
/// their caller while they run on the database queue.
public final class SQLiteStore: Sendable {
    let database: DatabaseQueue
    /// The request path's writes, committed in batches (see ``GroupCommit``).
    let commit: GroupCommit
    let retention: TimeInterval
    let clock: any BackchannelClock
    let recentRecords = RecentRows<PluginStateKey, CachedStateRecord>()
    let recentRequests = RecentRows<String, PendingRequest>()
    /// The `store` directory's users, in the same file.
    public let users: SQLiteUsers

    /// Opens (creating and migrating) the store at `path`.
    /// - Parameters:
    ///   - path: The database file.
    ///   - expiredRequestRetention: How long expired requests are kept to answer `expired_token`.
    ///   - clock: The clock plugin-state expiry is judged by.
    public init(path: String, expiredRequestRetention: TimeInterval = 600, clock: any BackchannelClock = SystemClock()) throws {
        // The file holds the signing key: owner-only from the start (SQLite gives its -wal and -shm
        // files the same mode).
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        var configuration = GRDB.Configuration()
        // The file is this process's alone: another holder is an error at once, not a wait.
        configuration.busyMode = .immediateError
        configuration.prepareDatabase { db in
            // Exclusive before WAL: the WAL index then lives in this process's memory, and no statement
            // takes a file lock. The lock is the operating system's, so a killed process releases it.
            _ = try String.fetchOne(db, sql: "PRAGMA locking_mode = EXCLUSIVE")
            _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            // WAL with synchronous=NORMAL: a commit survives the process dying (`kill -9`) at any point;
            // only an operating-system crash or power loss can take back the last few commits. FULL
            // would fsync on every commit and cut authentication throughput many times over.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Reads through a memory map of the file rather than a read() per page missing from SQLite's
            // own 2 MiB cache: with many pending requests the polled rows are spread over more pages than
            // that cache holds. Mapped pages are the kernel's page cache, shared, not this process's heap.
            try db.execute(sql: "PRAGMA cache_size = -65536")
        }
        do {
            self.database = try DatabaseQueue(path: path, configuration: configuration)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
            throw SQLiteStoreError.inUse(path: path)
        }
        self.commit = GroupCommit(database: database)
        self.users = SQLiteUsers(database: database)
        self.retention = expiredRequestRetention
        self.clock = clock
        do {
            try SQLiteMigrations.migrator.migrate(database)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
            throw SQLiteStoreError.inUse(path: path)
        }
    }

    /// Runs one read statement on the database queue, suspending the caller meanwhile: a read that waits
    /// behind a write batch (the expiry claim, the outbox claim, the purge) waits without holding a thread of
    /// the cooperative pool. One statement is atomic by itself, so it runs without BEGIN and COMMIT.
    func readNow<T: Sendable>(_ statement: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await Self.readNow(on: database, statement)
    }

    /// ``readNow(_:)`` on `database`.
    static func readNow<T: Sendable>(on database: DatabaseQueue, _ statement: @escaping @Sendable (Database) throws -> T) async throws -> T {
        // One continuation and one hop to the queue and back: GRDB's own async read adds a cancellation
        // handler and its bookkeeping to every poll, for a statement that takes microseconds.
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            database.asyncUnsafeRead { database in
                continuation.resume(with: Result { try statement(try database.get()) })
            }
        }
    }
}
