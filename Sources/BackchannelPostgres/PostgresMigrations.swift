import Logging
import PostgresNIO

/// The versioned schema, applied in order under an advisory lock so nodes starting together migrate once.
enum PostgresMigrations {
    static let migrations: [(version: Int, statements: [PostgresQuery])] = [
        (
            1,
            [
                """
                CREATE TABLE backchannel_pending_request (
                    auth_req_id_hash TEXT PRIMARY KEY,
                    client_id TEXT NOT NULL,
                    authenticator TEXT NOT NULL,
                    scopes TEXT NOT NULL,
                    acr TEXT NOT NULL,
                    created_at DOUBLE PRECISION NOT NULL,
                    expires_at DOUBLE PRECISION NOT NULL,
                    poll_interval INTEGER NOT NULL,
                    last_polled_at DOUBLE PRECISION,
                    slowed BOOLEAN NOT NULL DEFAULT FALSE,
                    state TEXT NOT NULL,
                    outcome BYTEA,
                    purge_at DOUBLE PRECISION
                )
                """,
                "CREATE INDEX backchannel_pending_request_live_expiry ON backchannel_pending_request (expires_at) WHERE state <> 'expired'",
                "CREATE INDEX backchannel_pending_request_purge ON backchannel_pending_request (purge_at) WHERE state = 'expired'",
                """
                CREATE TABLE backchannel_plugin_state (
                    namespace TEXT NOT NULL,
                    key TEXT NOT NULL,
                    group_name TEXT,
                    value BYTEA NOT NULL,
                    created_at DOUBLE PRECISION NOT NULL,
                    expires_at DOUBLE PRECISION NOT NULL,
                    PRIMARY KEY (namespace, key)
                )
                """,
                "CREATE INDEX backchannel_plugin_state_group ON backchannel_plugin_state (namespace, group_name, created_at) WHERE group_name IS NOT NULL",
                "CREATE INDEX backchannel_plugin_state_expiry ON backchannel_plugin_state (expires_at)",
                "CREATE TABLE backchannel_signing_key (id INTEGER PRIMARY KEY CHECK (id = 1), pem TEXT NOT NULL)",
            ]
        ),
        (
            2,
            [
                // Every poll rewrites its row (the slow_down bookkeeping), touching no indexed column: with room
                // left in each page the new version stays in the page (a HOT update), so polls add no index
                // entries and the table does not bloat under polling. Applies to pages written from now on.
                "ALTER TABLE backchannel_pending_request SET (fillfactor = 50)"
            ]
        ),
        (
            3,
            [
                // The abuse limits, shared by every node: token buckets, and pending requests counted against caps.
                "CREATE TABLE backchannel_limit_bucket (key TEXT PRIMARY KEY, tokens DOUBLE PRECISION NOT NULL, at DOUBLE PRECISION NOT NULL)",
                """
                CREATE TABLE backchannel_limit_member (
                    key TEXT NOT NULL, member TEXT NOT NULL, until DOUBLE PRECISION NOT NULL, PRIMARY KEY (key, member))
                """,
                "CREATE INDEX backchannel_limit_member_member ON backchannel_limit_member (member)",
            ]
        ),
        (
            4,
            [
                // The claims a client asked for with the `claims` parameter (RequestedClaims.storedForm).
                "ALTER TABLE backchannel_pending_request ADD COLUMN claims TEXT NOT NULL DEFAULT ''"
            ]
        ),
        (
            5,
            [
                // One generated key per algorithm; the key generated before (always ES256) keeps signing.
                "CREATE TABLE backchannel_signing_key_by_algorithm (algorithm TEXT PRIMARY KEY, pem TEXT NOT NULL)",
                "INSERT INTO backchannel_signing_key_by_algorithm (algorithm, pem) SELECT 'ES256', pem FROM backchannel_signing_key",
                "DROP TABLE backchannel_signing_key",
            ]
        ),
        (
            6,
            [
                // The notification outbox of ping and push requests, on the request's own row, so a conclusion
                // and its notification are one statement.
                """
                ALTER TABLE backchannel_pending_request
                    ADD COLUMN notify_mode TEXT, ADD COLUMN notify_auth_req_id TEXT, ADD COLUMN notify_token TEXT,
                    ADD COLUMN notify_state TEXT, ADD COLUMN notify_at DOUBLE PRECISION,
                    ADD COLUMN notify_attempts INTEGER NOT NULL DEFAULT 0, ADD COLUMN notify_claimed_until DOUBLE PRECISION,
                    ADD COLUMN notify_payload BYTEA
                """,
                "CREATE INDEX backchannel_pending_request_notify_due ON backchannel_pending_request (notify_at) WHERE notify_state = 'due'",
            ]
        ),
        (
            7,
            [
                // A cap's members counted in a row of their own, so an admission reads one row, not every member.
                "CREATE TABLE backchannel_limit_count (key TEXT PRIMARY KEY, count INTEGER NOT NULL)",
                "INSERT INTO backchannel_limit_count (key, count) SELECT key, count(*) FROM backchannel_limit_member GROUP BY key",
            ]
        ),
        (
            8,
            [
                // The user a request is for, so an operator can list and cancel a user's pending requests.
                "ALTER TABLE backchannel_pending_request ADD COLUMN subject TEXT",
                "CREATE INDEX backchannel_pending_request_pending_subject ON backchannel_pending_request (subject, created_at) WHERE state = 'pending'",
                "CREATE INDEX backchannel_pending_request_pending_client ON backchannel_pending_request (client_id, created_at) WHERE state = 'pending'",
            ]
        ),
        (
            9,
            [
                // The abuse limits' counts are soft state: unlogged, their statements write no WAL and their
                // commits wait for no disk flush (the client's rate bucket is a row every node writes).
                // After a PostgreSQL crash they start empty: buckets full, caps counting from zero.
                "ALTER TABLE backchannel_limit_bucket SET UNLOGGED",
                "ALTER TABLE backchannel_limit_member SET UNLOGGED",
                "ALTER TABLE backchannel_limit_count SET UNLOGGED",
            ]
        ),
        (
            10,
            [
                // An authentication request's limits in one round trip (`PostgresLimits.admit(_:now:)`), see there.
                PostgresAdmitFunction.definition,
                // A poll reads the authenticator's record of its request in the same statement, by key alone.
                "CREATE INDEX backchannel_plugin_state_key ON backchannel_plugin_state (key)",
            ]
        ),
        (
            11,
            [
                // A request refused by a limit gives back the tokens it took before the refusal.
                PostgresAdmitFunction.definition
            ]
        ),
        (
            12,
            [
                // The `store` directory's users, each found by its subject or by any of its keys (DirectoryIndexKey).
                "CREATE TABLE backchannel_directory_user (subject TEXT PRIMARY KEY, document BYTEA NOT NULL)",
                "CREATE TABLE backchannel_directory_user_key (key TEXT PRIMARY KEY, subject TEXT NOT NULL)",
                "CREATE INDEX backchannel_directory_user_key_subject ON backchannel_directory_user_key (subject)",
            ]
        ),
        (
            13,
            [
                // The authorization details (RFC 9396) a request asks the user to approve, as canonical JSON.
                "ALTER TABLE backchannel_pending_request ADD COLUMN authorization_details TEXT NOT NULL DEFAULT ''"
            ]
        ),
        (
            14,
            // A node keeps what a poll read of a pending poll-mode request (PendingPollCache) and forgets it when
            // told of a change, by NOTIFY from triggers, so no writer can forget. Only requests some node may keep
            // are notified about: those marked in backchannel_polled_request by their first poll on any node
            // (backchannel_poll_read). A write to the authenticator's records and that first poll exclude each
            // other by an advisory lock on the hash, so the record's writer sees the mark, or the poll's read sees
            // the record. The marks are unlogged, as durable as what depends on them: a crash of the database ends
            // every node's change feed, and with it everything the nodes kept.
            [
                "CREATE UNLOGGED TABLE backchannel_polled_request (auth_req_id_hash TEXT PRIMARY KEY)",
                """
                CREATE FUNCTION backchannel_notify_pending_request() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    -- Under the hash's lock, as a record's write: a first poll marking the request meanwhile has
                    -- either read this change, or committed its mark before this looks.
                    PERFORM pg_advisory_xact_lock_shared(hashtextextended(OLD.auth_req_id_hash, \(unescaped: "\(PendingPollCache.lockSeed)")));
                    IF EXISTS (SELECT 1 FROM backchannel_polled_request WHERE auth_req_id_hash = OLD.auth_req_id_hash) THEN
                        PERFORM pg_notify('\(unescaped: PendingPollCache.channel)', OLD.auth_req_id_hash);
                        DELETE FROM backchannel_polled_request WHERE auth_req_id_hash = OLD.auth_req_id_hash;
                    END IF;
                    RETURN NULL;
                END $$
                """,
                """
                CREATE TRIGGER backchannel_pending_request_changed AFTER UPDATE ON backchannel_pending_request FOR EACH ROW
                WHEN (OLD.state = 'pending' AND OLD.notify_mode IS NULL AND (NEW.state <> OLD.state OR NEW.poll_interval <> OLD.poll_interval))
                EXECUTE FUNCTION backchannel_notify_pending_request()
                """,
                """
                CREATE TRIGGER backchannel_pending_request_deleted AFTER DELETE ON backchannel_pending_request FOR EACH ROW
                WHEN (OLD.state = 'pending' AND OLD.notify_mode IS NULL) EXECUTE FUNCTION backchannel_notify_pending_request()
                """,
                """
                CREATE FUNCTION backchannel_notify_plugin_state() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE changed TEXT := CASE WHEN TG_OP = 'DELETE' THEN OLD.key ELSE NEW.key END;
                BEGIN
                    PERFORM pg_advisory_xact_lock_shared(hashtextextended(changed, \(unescaped: "\(PendingPollCache.lockSeed)")));
                    IF EXISTS (SELECT 1 FROM backchannel_polled_request WHERE auth_req_id_hash = changed) THEN
                        PERFORM pg_notify('\(unescaped: PendingPollCache.channel)', changed);
                    END IF;
                    RETURN NULL;
                END $$
                """,
                """
                CREATE TRIGGER backchannel_plugin_state_changed AFTER INSERT OR UPDATE OR DELETE ON backchannel_plugin_state FOR EACH ROW
                EXECUTE FUNCTION backchannel_notify_plugin_state()
                """,
                // A poll's read in one round trip: the first poll of a pending poll-mode request marks it, under the
                // hash's lock, then reads (a statement of its own: its snapshot sees every record written under the
                // lock); the request's row, whether it is marked, and its authenticator's live records, one row each.
                """
                CREATE FUNCTION backchannel_poll_read(h TEXT, now DOUBLE PRECISION) RETURNS TABLE (
                    r_hash TEXT, r_client_id TEXT, r_authenticator TEXT, r_scopes TEXT, r_acr TEXT, r_created_at DOUBLE PRECISION,
                    r_expires_at DOUBLE PRECISION, r_poll_interval INTEGER, r_state TEXT, r_outcome BYTEA, r_claims TEXT, r_notify_mode TEXT,
                    r_notify_auth_req_id TEXT, r_notify_token TEXT, r_subject TEXT, r_authorization_details TEXT, r_marked BOOLEAN,
                    s_namespace TEXT, s_group_name TEXT, s_value BYTEA, s_created_at DOUBLE PRECISION, s_expires_at DOUBLE PRECISION
                ) LANGUAGE plpgsql AS $$
                DECLARE unmarked BOOLEAN;
                BEGIN
                    -- By the key alone: a condition on state would let a plan made while the table was small scan a
                    -- partial index of pending rows instead (seen: 2.5 ms a statement).
                    SELECT p.state = 'pending' AND p.notify_mode IS NULL
                        AND NOT EXISTS (SELECT 1 FROM backchannel_polled_request AS m WHERE m.auth_req_id_hash = h)
                    INTO unmarked FROM backchannel_pending_request AS p WHERE p.auth_req_id_hash = h;
                    IF unmarked THEN
                        PERFORM pg_advisory_xact_lock(hashtextextended(h, \(unescaped: "\(PendingPollCache.lockSeed)")));
                        INSERT INTO backchannel_polled_request VALUES (h) ON CONFLICT DO NOTHING;
                    END IF;
                    RETURN QUERY
                        SELECT p.auth_req_id_hash, p.client_id, p.authenticator, p.scopes, p.acr, p.created_at, p.expires_at, p.poll_interval,
                            p.state, p.outcome, p.claims, p.notify_mode, p.notify_auth_req_id, p.notify_token, p.subject, p.authorization_details,
                            EXISTS (SELECT 1 FROM backchannel_polled_request AS m WHERE m.auth_req_id_hash = h),
                            s.namespace, s.group_name, s.value, s.created_at, s.expires_at
                        FROM backchannel_pending_request AS p
                        LEFT JOIN backchannel_plugin_state AS s ON s.key = p.auth_req_id_hash AND s.expires_at > now
                        WHERE p.auth_req_id_hash = h;
                END $$
                """,
            ]
        ),
    ]

    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.checkedTransaction(logger: logger) { connection in
            // Serialises concurrent first starts; released at commit.
            try await connection.checkedQuery("SELECT pg_advisory_xact_lock(7423114)", logger: logger)
            try await connection.checkedQuery(
                "CREATE TABLE IF NOT EXISTS backchannel_schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
                logger: logger)
            var applied: Set<Int> = []
            for try await version in try await connection.checkedQuery("SELECT version FROM backchannel_schema_migrations", logger: logger).decode(Int.self) {
                applied.insert(version)
            }
            for migration in migrations where !applied.contains(migration.version) {
                for statement in migration.statements { try await connection.checkedQuery(statement, logger: logger) }
                try await connection.checkedQuery("INSERT INTO backchannel_schema_migrations (version) VALUES (\(migration.version))", logger: logger)
                logger.info("applied schema migration", metadata: ["version": "\(migration.version)"])
            }
        }
    }
}
