import BackchannelServer
import Foundation
import Logging
import PostgresNIO

/// The abuse limits' buckets and caps, in the PostgreSQL database of a ``PostgresStore`` (its
/// ``PostgresStore/limits``), so every node on the database counts the same. A large bucket is taken in
/// batches this node then spends without the database (``BucketLeases``).
public final class PostgresLimits: LimitStore, Sendable {
    let client: PostgresConnectionPool
    /// Tokens of large rate buckets taken ahead by this node.
    let leases = BucketLeases()
    let logger: Logger

    init(client: PostgresConnectionPool, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// The count rows of `tally`'s keys, locked in key order before any is changed. Every statement that
    /// changes several count rows takes their locks in this one order (admission too), so two of them
    /// (an admission and the expiry sweep's batch release, on two nodes) never wait on each other in a
    /// cycle: PostgreSQL would end one with a deadlock error, a `server_error` for some client.
    static let lockTallied = """
        locked AS MATERIALIZED (SELECT c.key FROM backchannel_limit_count AS c JOIN tally USING (key) ORDER BY c.key FOR UPDATE OF c)
        """

    public func take(bucket key: String, capacity: Double, refillPerSecond: Double, now: Date) async throws -> TimeInterval? {
        // A large bucket: a token this node took ahead, or a batch of them in one update (BucketLeases).
        let batch = BucketLeases.batch(capacity: capacity)
        if batch > 1 {
            if leases.spend(key, now: now) == .spent { return nil }
            if try await take(batch, from: key, capacity: capacity, refillPerSecond: refillPerSecond, now: now) {
                leases.hold(batch - 1, for: key, now: now)
                return nil
            }
        }
        if try await take(1, from: key, capacity: capacity, refillPerSecond: refillPerSecond, now: now) { return nil }
        // Requests that found no lease together took batches together: what the others hold here is this one's too.
        if batch > 1, leases.spend(key, now: now) == .spent { return nil }
        return max(try await wait(bucket: key, capacity: capacity, refillPerSecond: refillPerSecond, now: now), 1 / refillPerSecond)
    }

    /// Every limit in one round trip (`backchannel_admit`, ``PostgresAdmitFunction``), except a large
    /// bucket's token that this node already holds (``BucketLeases``): spent here first, and handed back
    /// when the database refuses before that bucket's turn, so the verdict is the one-call-at-a-time order's.
    public func admit(_ admission: LimitAdmission, now: Date) async throws -> LimitVerdict {
        try await admit(admission, now: now) { counts in
            try await self.client.execute(AdmitStatement(admission: admission, counts: counts, now: now.timeIntervalSince1970), logger: self.logger)
        }
    }

    /// Runs `statement` (which calls `backchannel_admit` with the tokens to take from each bucket in the
    /// database) around the node's leases, and reads its verdict.
    func admit(
        _ admission: LimitAdmission, now: Date, statement: ([Int]) async throws -> [AdmitStatement.Row]
    ) async throws -> LimitVerdict {
        var counts: [Int] = []
        var spent: [Int] = []
        // On a failure before the verdict nothing was counted: the tokens spent here go back.
        func refundSpent() { for index in spent { leases.refund(admission.buckets[index].key, now: now) } }
        for (index, bucket) in admission.buckets.enumerated() {
            let batch = BucketLeases.batch(capacity: bucket.capacity)
            guard batch > 1 else {
                counts.append(1)
                continue
            }
            switch leases.spend(bucket.key, now: now) {
            case .spent:
                counts.append(0)
                spent.append(index)
            case .hot:
                // A row every request wants (a client's bucket): in the admission's transaction its lock would
                // last until the pending request's commit has reached the disk, and every other node's and
                // request's batch would queue behind it. Its own statement writes only unlogged rows.
                let tookBatch: Bool
                do {
                    tookBatch = try await take(batch, from: bucket.key, capacity: bucket.capacity, refillPerSecond: bucket.refillPerSecond, now: now)
                } catch {
                    refundSpent()
                    throw error
                }
                if tookBatch {
                    leases.hold(batch - 1, for: bucket.key, now: now)
                    counts.append(0)
                    spent.append(index)
                } else if leases.spend(bucket.key, now: now) == .spent {
                    // Requests that found the lease empty together took batches together: one of theirs.
                    counts.append(0)
                    spent.append(index)
                } else {
                    counts.append(1)  // Nearly empty: the function tries one token, in the limits' order.
                }
            case .cold:
                counts.append(batch)
            }
        }
        let rows: [AdmitStatement.Row]
        do {
            rows = try await statement(counts)
        } catch {
            refundSpent()
            throw error
        }
        guard let (verdict, refusedBucket, taken) = rows.first else { throw PostgresStoreError.unexpectedAnswer("backchannel_admit returned no row") }
        for (index, count) in taken.enumerated() where count > 1 {
            leases.hold(count - 1, for: admission.buckets[index].key, now: now)
        }
        let answer: LimitVerdict
        switch (verdict, refusedBucket) {
        case (0, _): answer = .admitted
        case (1, _): answer = .coolingDown
        case (2, let bucket?): answer = .rateLimited(bucket: bucket)
        case (3, _): answer = .capReached
        default: throw PostgresStoreError.unexpectedAnswer("backchannel_admit returned verdict \(verdict)")
        }
        // A refused request spends nothing: the function gave back what it took, and the node's lease gets
        // back the tokens spent from it.
        if answer != .admitted { refundSpent() }
        await pruneIdleBuckets(now: now)
        return answer
    }

    /// Now and then (one call in a thousand), drops buckets idle for an hour: they are full again, the same
    /// as none. Housekeeping: its failure is logged, never the failure of the request that happened to run it.
    private func pruneIdleBuckets(now: Date) async {
        guard Int.random(in: 0..<1000) == 0 else { return }
        do {
            try await client.query("DELETE FROM backchannel_limit_bucket WHERE at < \(now.timeIntervalSince1970 - 3600)", logger: logger)
        } catch {
            logger.warning("dropping idle rate buckets failed", metadata: ["error": "\(error)"])
        }
    }

    /// One statement: refill, and take `count` tokens only if they are all there.
    private func take(_ count: Int, from key: String, capacity: Double, refillPerSecond: Double, now: Date) async throws -> Bool {
        let at = now.timeIntervalSince1970
        let count = Double(count)
        let rows = try await client.query(
            """
            INSERT INTO backchannel_limit_bucket AS b (key, tokens, at) VALUES (\(key), \(capacity - count), \(at))
            ON CONFLICT (key) DO UPDATE SET tokens = LEAST(\(capacity), b.tokens + GREATEST(0, \(at) - b.at) * \(refillPerSecond)) - \(count), at = \(at)
            WHERE LEAST(\(capacity), b.tokens + GREATEST(0, \(at) - b.at) * \(refillPerSecond)) >= \(count)
            RETURNING tokens
            """, logger: logger)
        guard rows.count == 1 else { return false }
        await pruneIdleBuckets(now: now)
        return true
    }

    public func giveBack(bucket key: String, capacity: Double, refillPerSecond: Double, now: Date) async throws {
        let at = now.timeIntervalSince1970
        try await client.query(
            """
            UPDATE backchannel_limit_bucket AS b SET tokens = LEAST(\(capacity), b.tokens + GREATEST(0, \(at) - b.at) * \(refillPerSecond) + 1), at = \(at)
            WHERE b.key = \(key)
            """, logger: logger)
    }

    public func wait(bucket key: String, capacity: Double, refillPerSecond: Double, now: Date) async throws -> TimeInterval {
        let rows = try await client.query("SELECT tokens, at FROM backchannel_limit_bucket WHERE key = \(key)", logger: logger)
        for (tokens, at) in try rows.map({ try $0.decode((Double, Double).self) }) {
            let refilled = min(capacity, tokens + max(0, now.timeIntervalSince1970 - at) * refillPerSecond)
            return refilled >= 1 ? 0 : (1 - refilled) / refillPerSecond
        }
        return 0
    }

    public func admit(member: String, caps: [(key: String, cap: Int)], until: Date, now: Date) async throws -> Bool {
        if try await admitOnce(member: member, caps: caps, until: until) { return true }
        // At a cap: members past their time may still be counted there. Drop them, then look again.
        let keys = caps.map(\.key)
        try await client.query(
            """
            WITH gone AS (DELETE FROM backchannel_limit_member WHERE key = ANY(\(keys)) AND until <= \(now.timeIntervalSince1970) RETURNING key),
            tally AS (SELECT key, count(*)::INTEGER AS released FROM gone GROUP BY key),
            \(unescaped: Self.lockTallied)
            UPDATE backchannel_limit_count AS c SET count = c.count - tally.released FROM tally JOIN locked USING (key) WHERE c.key = tally.key
            """, logger: logger)
        return try await admitOnce(member: member, caps: caps, until: until)
    }

    /// One statement: lock the caps' count rows, and only if all exist and every one has room, count
    /// the member against each. Row locks last as long as the statement, so admissions to one key from
    /// every node queue only for that long; the cost is the same however many members a key has. A key
    /// seen for the first time has no row to lock: its row is made (at zero) and the statement runs again.
    private func admitOnce(member: String, caps: [(key: String, cap: Int)], until: Date) async throws -> Bool {
        let keys = caps.map(\.key)
        if let admitted = try await admitLocked(member: member, keys: keys, limits: caps.map(\.cap), until: until) { return admitted }
        try await client.query(
            "INSERT INTO backchannel_limit_count (key, count) SELECT key, 0 FROM unnest(\(keys)::TEXT[]) AS k(key) ORDER BY key ON CONFLICT (key) DO NOTHING",
            logger: logger)
        return try await admitLocked(member: member, keys: keys, limits: caps.map(\.cap), until: until) ?? false
    }

    /// - Returns: whether admitted; `nil` when a key had no count row to lock.
    private func admitLocked(member: String, keys: [String], limits: [Int], until: Date) async throws -> Bool? {
        let rows = try await client.query(
            """
            WITH wanted AS (SELECT * FROM unnest(\(keys)::TEXT[], \(limits)::INT8[]) AS w(key, cap)),
            locked AS (SELECT c.key, c.count FROM backchannel_limit_count AS c JOIN wanted USING (key) ORDER BY c.key FOR UPDATE OF c),
            ok AS (
                SELECT (SELECT count(*) FROM locked) = (SELECT count(*) FROM wanted) AS complete,
                    NOT EXISTS (SELECT 1 FROM wanted JOIN locked USING (key) WHERE locked.count >= wanted.cap) AS room),
            counted AS (
                INSERT INTO backchannel_limit_count AS c (key, count) SELECT key, 1 FROM wanted, ok WHERE ok.complete AND ok.room
                ON CONFLICT (key) DO UPDATE SET count = c.count + 1 RETURNING c.key),
            members AS (
                INSERT INTO backchannel_limit_member (key, member, until) SELECT key, \(member), \(until.timeIntervalSince1970) FROM wanted, ok
                WHERE ok.complete AND ok.room ON CONFLICT (key, member) DO UPDATE SET until = EXCLUDED.until RETURNING key)
            SELECT complete, room FROM ok
            """, logger: logger)
        var answer: Bool?
        for (complete, room) in try rows.map({ try $0.decode((Bool, Bool).self) }) { answer = complete ? room : nil }
        return answer
    }

    public func release(member: String) async throws -> [String] {
        try await client.execute(ReleaseMemberStatement(member: member), logger: logger)
    }

    public func release(members: [String]) async throws {
        guard !members.isEmpty else { return }
        // One statement for the batch: each key's count drops by as many of its members as were released.
        try await client.query(
            """
            WITH gone AS (DELETE FROM backchannel_limit_member WHERE member = ANY(\(members)) RETURNING key),
            tally AS (SELECT key, count(*)::INTEGER AS released FROM gone GROUP BY key),
            \(unescaped: Self.lockTallied)
            UPDATE backchannel_limit_count AS c SET count = c.count - tally.released FROM tally JOIN locked USING (key) WHERE c.key = tally.key
            """, logger: logger)
    }
}
