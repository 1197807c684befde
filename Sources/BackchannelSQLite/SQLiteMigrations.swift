import GRDB

/// The SQLite store's schema, as versioned migrations applied in order when the store opens: a migration,
/// once released, never changes; a new one is added after the last.
enum SQLiteMigrations {
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
        // The `store` directory's users, each found by its subject or by any of its keys (DirectoryIndexKey).
        migrator.registerMigration("6-directory-users") { db in
            try db.execute(
                sql: """
                    CREATE TABLE directory_user (subject TEXT PRIMARY KEY NOT NULL, document BLOB NOT NULL) WITHOUT ROWID;
                    CREATE TABLE directory_user_key (key TEXT PRIMARY KEY NOT NULL, subject TEXT NOT NULL) WITHOUT ROWID;
                    CREATE INDEX directory_user_key_subject ON directory_user_key(subject);
                    """)
        }
        // The authorization details (RFC 9396) a request asks the user to approve, as canonical JSON.
        migrator.registerMigration("7-authorization-details") { db in
            try db.execute(sql: "ALTER TABLE pending_request ADD COLUMN authorization_details TEXT NOT NULL DEFAULT ''")
        }
        return migrator
    }
}
