import BackchannelServer
import Foundation
import PostgresNIO

/// `backchannel_admit`: every limit of an authentication request checked in one call, in
/// ``LimitAdmission``'s order, with the same statements the separate calls make: the cool-down read,
/// each rate bucket's conditional upsert (a batch of tokens first where the node leases them, else one),
/// then the caps' count rows locked in key order (the order every statement that changes several takes
/// them in, so no two wait on each other in a cycle), lapsed members dropped only when a cap is full,
/// and the member counted. A refusal gives back the tokens taken before it (`taken` comes back all zeros):
/// a refused request spends nothing. One round trip instead of four; PL/pgSQL plans each statement once per
/// connection, and each is a primary-key lookup, whose generic plan is the custom one.
enum PostgresAdmitFunction {
    static let definition: PostgresQuery = """
        CREATE OR REPLACE FUNCTION backchannel_admit(
            cooldown_key TEXT, cooldown_capacity DOUBLE PRECISION, cooldown_rate DOUBLE PRECISION,
            bucket_keys TEXT[], bucket_capacities DOUBLE PRECISION[], bucket_rates DOUBLE PRECISION[], bucket_counts BIGINT[],
            new_member TEXT, cap_keys TEXT[], cap_limits BIGINT[], member_until DOUBLE PRECISION, at_time DOUBLE PRECISION,
            OUT verdict BIGINT, OUT refused_bucket BIGINT, OUT taken BIGINT[])
        LANGUAGE plpgsql AS $$
        DECLARE
            position INTEGER;
            earlier INTEGER;
            wanted BIGINT;
            room BOOLEAN := TRUE;
            cap_key TEXT;
            cap_limit BIGINT;
            held INTEGER;
        BEGIN
            taken := array_fill(0::BIGINT, ARRAY[coalesce(array_length(bucket_keys, 1), 0)]);
            -- 1: the cool-down refuses while its bucket holds less than one token.
            IF EXISTS (SELECT 1 FROM backchannel_limit_bucket AS b WHERE b.key = cooldown_key
                       AND LEAST(cooldown_capacity, b.tokens + GREATEST(0, at_time - b.at) * cooldown_rate) < 1) THEN
                verdict := 1;
                RETURN;
            END IF;
            -- 2: a token (or a batch, then one) from each bucket in turn; 0 wanted: the node holds one.
            FOR position IN 1 .. coalesce(array_length(bucket_keys, 1), 0) LOOP
                wanted := bucket_counts[position];
                CONTINUE WHEN wanted = 0;
                LOOP
                    INSERT INTO backchannel_limit_bucket AS b (key, tokens, at)
                    VALUES (bucket_keys[position], bucket_capacities[position] - wanted, at_time)
                    ON CONFLICT (key) DO UPDATE
                    SET tokens = LEAST(bucket_capacities[position], b.tokens + GREATEST(0, at_time - b.at) * bucket_rates[position]) - wanted,
                        at = at_time
                    WHERE LEAST(bucket_capacities[position], b.tokens + GREATEST(0, at_time - b.at) * bucket_rates[position]) >= wanted;
                    IF FOUND THEN
                        taken[position] := wanted;
                        EXIT;
                    END IF;
                    IF wanted = 1 THEN
                        verdict := 2;
                        refused_bucket := position - 1;
                        EXIT;
                    END IF;
                    wanted := 1;
                END LOOP;
                EXIT WHEN verdict = 2;
            END LOOP;
            -- 3: the caps' count rows (made at zero for a key seen the first time), locked in key order (unless a bucket refused).
            IF verdict IS NULL THEN
                INSERT INTO backchannel_limit_count (key, count)
                SELECT w.wanted_key, 0 FROM unnest(cap_keys) AS w(wanted_key) ORDER BY w.wanted_key ON CONFLICT (key) DO NOTHING;
                FOR cap_key, cap_limit IN SELECT w.wanted_key, w.wanted_cap FROM unnest(cap_keys, cap_limits) AS w(wanted_key, wanted_cap) ORDER BY w.wanted_key LOOP
                    SELECT c.count INTO held FROM backchannel_limit_count AS c WHERE c.key = cap_key FOR UPDATE;
                    IF held >= cap_limit THEN
                        room := FALSE;
                    END IF;
                END LOOP;
                IF NOT room THEN
                    -- At a cap: members past their time may still be counted there. Drop them, then look again.
                    WITH gone AS (DELETE FROM backchannel_limit_member AS m WHERE m.key = ANY(cap_keys) AND m.until <= at_time RETURNING m.key),
                    tally AS (SELECT g.key, count(*)::INTEGER AS released FROM gone AS g GROUP BY g.key)
                    UPDATE backchannel_limit_count AS c SET count = c.count - tally.released FROM tally WHERE c.key = tally.key;
                    IF EXISTS (SELECT 1 FROM unnest(cap_keys, cap_limits) AS w(wanted_key, wanted_cap)
                               JOIN backchannel_limit_count AS c ON c.key = w.wanted_key WHERE c.count >= w.wanted_cap) THEN
                        verdict := 3;
                    END IF;
                END IF;
            END IF;
            -- 4: refused by a bucket or a cap: what was taken goes back (the rows were written at at_time).
            IF verdict IN (2, 3) THEN
                FOR earlier IN 1 .. coalesce(array_length(bucket_keys, 1), 0) LOOP
                    CONTINUE WHEN taken[earlier] = 0;
                    UPDATE backchannel_limit_bucket AS b SET tokens = LEAST(bucket_capacities[earlier], b.tokens + taken[earlier])
                    WHERE b.key = bucket_keys[earlier];
                    taken[earlier] := 0;
                END LOOP;
                RETURN;
            END IF;
            UPDATE backchannel_limit_count AS c SET count = c.count + 1 WHERE c.key = ANY(cap_keys);
            INSERT INTO backchannel_limit_member (key, member, until)
            SELECT w.wanted_key, new_member, member_until FROM unnest(cap_keys) AS w(wanted_key)
            ON CONFLICT (key, member) DO UPDATE SET until = EXCLUDED.until;
            verdict := 0;
        END
        $$
        """
}

/// The call of `backchannel_admit`, prepared once per connection.
struct AdmitStatement: PostgresPreparedStatement {
    static let sql = """
        SELECT verdict, refused_bucket, taken FROM backchannel_admit(
            $1::TEXT, $2::DOUBLE PRECISION, $3::DOUBLE PRECISION, $4::TEXT[], $5::DOUBLE PRECISION[], $6::DOUBLE PRECISION[],
            $7::BIGINT[], $8::TEXT, $9::TEXT[], $10::BIGINT[], $11::DOUBLE PRECISION, $12::DOUBLE PRECISION)
        """
    typealias Row = (Int, Int?, [Int])

    var admission: LimitAdmission
    /// Tokens to take from each bucket in the database: a batch where the node leases them, 0 where it
    /// already holds one.
    var counts: [Int]
    var now: Double

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 12)
        bindings.append(admission.cooldown.key)
        bindings.append(admission.cooldown.capacity)
        bindings.append(admission.cooldown.refillPerSecond)
        bindings.append(admission.buckets.map(\.key))
        bindings.append(admission.buckets.map(\.capacity))
        bindings.append(admission.buckets.map(\.refillPerSecond))
        bindings.append(counts)
        bindings.append(admission.member)
        bindings.append(admission.caps.map(\.key))
        bindings.append(admission.caps.map(\.limit))
        bindings.append(admission.until.timeIntervalSince1970)
        bindings.append(now)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// `backchannel_admit` and, only when it admits, the pending request's insert: one statement, so one
/// round trip and one transaction (a failing insert takes the admission's counting back with it).
struct AdmitAndInsertStatement: PostgresPreparedStatement {
    static let sql = """
        WITH admitted AS MATERIALIZED (
            SELECT verdict, refused_bucket, taken FROM backchannel_admit(
                $1::TEXT, $2::DOUBLE PRECISION, $3::DOUBLE PRECISION, $4::TEXT[], $5::DOUBLE PRECISION[], $6::DOUBLE PRECISION[],
                $7::BIGINT[], $8::TEXT, $9::TEXT[], $10::BIGINT[], $11::DOUBLE PRECISION, $12::DOUBLE PRECISION)),
        stored AS (
            INSERT INTO backchannel_pending_request (auth_req_id_hash, client_id, authenticator, scopes, acr, created_at, expires_at,
                poll_interval, state, outcome, claims, notify_mode, notify_auth_req_id, notify_token, subject, authorization_details)
            SELECT $13::TEXT, $14::TEXT, $15::TEXT, $16::TEXT, $17::TEXT, $18::DOUBLE PRECISION, $19::DOUBLE PRECISION, $20::INTEGER,
                $21::TEXT, $22::BYTEA, $23::TEXT, $24::TEXT, $25::TEXT, $26::TEXT, $27::TEXT, $28::TEXT
            FROM admitted WHERE admitted.verdict = 0
            RETURNING 1)
        SELECT verdict, refused_bucket, taken FROM admitted
        """
    typealias Row = AdmitStatement.Row

    var admit: AdmitStatement
    var request: PendingRequest

    func makeBindings() throws -> PostgresBindings {
        var bindings = try admit.makeBindings()
        bindings.append(request.authReqIdHash)
        bindings.append(request.clientId)
        bindings.append(request.authenticator)
        bindings.append(request.scopes.joined(separator: " "))
        bindings.append(request.acr)
        bindings.append(request.createdAt.timeIntervalSince1970)
        bindings.append(request.expiresAt.timeIntervalSince1970)
        bindings.append(request.interval)
        bindings.append(StoredOutcome.name(of: request.state))
        try bindings.append(StoredOutcome.document(of: request.state))
        bindings.append(request.claims.storedForm)
        bindings.append(request.notification?.mode.rawValue)
        bindings.append(request.notification?.authReqId)
        bindings.append(request.notification?.token)
        bindings.append(request.subject)
        bindings.append(request.authorizationDetails)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}
