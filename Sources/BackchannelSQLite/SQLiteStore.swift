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
        self.retention = expiredRequestRetention
        self.clock = clock
        do {
            try Self.migrator.migrate(database)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
            throw SQLiteStoreError.inUse(path: path)
        }
    }

    /// Runs one read statement on the database queue, suspending the caller meanwhile: a read that waits
    /// behind a write batch (the expiry claim, the outbox claim, the purge) waits without holding a thread of
    /// the cooperative pool. One statement is atomic by itself, so it runs without BEGIN and COMMIT.
    func readNow<T: Sendable>(_ statement: @escaping @Sendable (Database) throws -> T) async throws -> T {
        // One continuation and one hop to the queue and back: GRDB's own async read adds a cancellation
        // handler and its bookkeeping to every poll, for a statement that takes microseconds.
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            database.asyncUnsafeRead { database in
                continuation.resume(with: Result { try statement(try database.get()) })
            }
        }
    }

    /// The versioned schema migrations, applied in order on open.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("1-initial") { db in
            try db.execute(
                sql: """
                    CREATE TABLE pending_request (
                        auth_req_id_hash TEXT PRIMARY KEY NOT NULL,
                        client_id TEXT NOT NULL,
                        authenticator TEXT NOT NULL,
                        scopes TEXT NOT NULL,
                        acr TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        expires_at REAL NOT NULL,
                        poll_interval INTEGER NOT NULL,
                        last_polled_at REAL,
                        slowed INTEGER NOT NULL DEFAULT 0,
                        state TEXT NOT NULL,
                        outcome BLOB,
                        purge_at REAL
                    ) WITHOUT ROWID;
                    CREATE INDEX pending_request_live_expiry ON pending_request(expires_at) WHERE state <> 'expired';
                    CREATE INDEX pending_request_purge ON pending_request(purge_at) WHERE state = 'expired';
                    CREATE TABLE plugin_state (
                        namespace TEXT NOT NULL,
                        key TEXT NOT NULL,
                        group_name TEXT,
                        value BLOB NOT NULL,
                        created_at REAL NOT NULL,
                        expires_at REAL NOT NULL,
                        PRIMARY KEY (namespace, key)
                    ) WITHOUT ROWID;
                    CREATE INDEX plugin_state_group ON plugin_state(namespace, group_name, created_at) WHERE group_name IS NOT NULL;
                    CREATE INDEX plugin_state_expiry ON plugin_state(expires_at);
                    CREATE TABLE signing_key (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        pem TEXT NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("2-requested-claims") { db in
            try db.execute(sql: "ALTER TABLE pending_request ADD COLUMN claims TEXT NOT NULL DEFAULT ''")
        }
        // One generated key per algorithm; the key generated before (always ES256) keeps signing.
        migrator.registerMigration("3-signing-key-per-algorithm") { db in
            try db.execute(
                sql: """
                    CREATE TABLE signing_key_by_algorithm (algorithm TEXT PRIMARY KEY NOT NULL, pem TEXT NOT NULL) WITHOUT ROWID;
                    INSERT INTO signing_key_by_algorithm (algorithm, pem) SELECT 'ES256', pem FROM signing_key;
                    DROP TABLE signing_key;
                    """)
        }
        // The notification outbox of ping and push requests, on the request's own row, so a conclusion and
        // its notification are one write.
        migrator.registerMigration("4-notification-outbox") { db in
            try db.execute(
                sql: """
                    ALTER TABLE pending_request ADD COLUMN notify_mode TEXT;
                    ALTER TABLE pending_request ADD COLUMN notify_auth_req_id TEXT;
                    ALTER TABLE pending_request ADD COLUMN notify_token TEXT;
                    ALTER TABLE pending_request ADD COLUMN notify_state TEXT;
                    ALTER TABLE pending_request ADD COLUMN notify_at REAL;
                    ALTER TABLE pending_request ADD COLUMN notify_attempts INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE pending_request ADD COLUMN notify_claimed_until REAL;
                    ALTER TABLE pending_request ADD COLUMN notify_payload BLOB;
                    CREATE INDEX pending_request_notify_due ON pending_request(notify_at) WHERE notify_state = 'due';
                    """)
        }
        // The user a request is for, so an operator can list and cancel a user's pending requests.
        migrator.registerMigration("5-request-subject") { db in
            try db.execute(
                sql: """
                    ALTER TABLE pending_request ADD COLUMN subject TEXT;
                    CREATE INDEX pending_request_pending_subject ON pending_request(subject, created_at) WHERE state = 'pending';
                    CREATE INDEX pending_request_pending_client ON pending_request(client_id, created_at) WHERE state = 'pending';
                    """)
        }
        return migrator
    }
}
