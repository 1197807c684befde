import BackchannelCore
import BackchannelServer
import Foundation
import GRDB

/// Everything a `backchanneld` process keeps, in one SQLite file in WAL mode: pending requests and
/// their outcomes, plugin state, and the generated signing key. The embedded default store.
///
/// Every state transition is one SQL statement, so it is atomic; the file survives the process dying at
/// any point (WAL), and a restart carries on where the last process stopped.
public final class SQLiteStore: Sendable {
    let pool: DatabasePool
    let retention: TimeInterval
    let clock: any BackchannelClock

    /// Opens (creating and migrating) the store at `path`.
    /// - Parameters:
    ///   - path: The database file.
    ///   - expiredRequestRetention: How long expired requests are kept to answer `expired_token`.
    ///   - clock: The clock plugin-state expiry is judged by.
    public init(path: String, expiredRequestRetention: TimeInterval = 600, clock: any BackchannelClock = SystemClock()) throws {
        // The file holds the signing key: owner-only from the start (SQLite gives its -wal and -shm
        // files the same mode).
        if !FileManager.default.fileExists(atPath: path) {
            FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        var configuration = GRDB.Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // WAL with synchronous=NORMAL: a commit survives the process dying (`kill -9`) at any point;
            // only an operating-system crash or power loss can take back the last few commits. FULL
            // would fsync on every poll and cut poll throughput thirtyfold.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        self.pool = try DatabasePool(path: path, configuration: configuration)
        self.retention = expiredRequestRetention
        self.clock = clock
        try Self.migrator.migrate(pool)
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
        return migrator
    }
}
