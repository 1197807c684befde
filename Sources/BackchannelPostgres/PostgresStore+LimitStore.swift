import BackchannelServer
import Foundation
import PostgresNIO

extension PostgresStore: LimitStore {
    public func take(bucket key: String, capacity: Double, refillPerSecond: Double, now: Date) async throws -> TimeInterval? {
        let at = now.timeIntervalSince1970
        // One statement: refill, and take a token only if one is there; no row back means none was.
        let rows = try await client.query(
            """
            INSERT INTO backchannel_limit_bucket AS b (key, tokens, at) VALUES (\(key), \(capacity - 1), \(at))
            ON CONFLICT (key) DO UPDATE SET tokens = LEAST(\(capacity), b.tokens + GREATEST(0, \(at) - b.at) * \(refillPerSecond)) - 1, at = \(at)
            WHERE LEAST(\(capacity), b.tokens + GREATEST(0, \(at) - b.at) * \(refillPerSecond)) >= 1
            RETURNING tokens
            """, logger: logger)
        if try await rows.decode(Double.self).reduce(0, { count, _ in count + 1 }) == 1 {
            // Now and then, drop buckets idle for an hour: they are full again, the same as none.
            if Int.random(in: 0..<1000) == 0 {
                try await client.query("DELETE FROM backchannel_limit_bucket WHERE at < \(at - 3600)", logger: logger)
            }
            return nil
        }
        return max(try await wait(bucket: key, capacity: capacity, refillPerSecond: refillPerSecond, now: now), 1 / refillPerSecond)
    }

    public func wait(bucket key: String, capacity: Double, refillPerSecond: Double, now: Date) async throws -> TimeInterval {
        let rows = try await client.query("SELECT tokens, at FROM backchannel_limit_bucket WHERE key = \(key)", logger: logger)
        for try await (tokens, at) in rows.decode((Double, Double).self) {
            let refilled = min(capacity, tokens + max(0, now.timeIntervalSince1970 - at) * refillPerSecond)
            return refilled >= 1 ? 0 : (1 - refilled) / refillPerSecond
        }
        return 0
    }

    public func admit(member: String, caps: [(key: String, cap: Int)], until: Date, now: Date) async throws -> Bool {
        let at = now.timeIntervalSince1970
        return try await client.withTransaction(logger: logger) { connection in
            for (key, cap) in caps.sorted(by: { $0.key < $1.key }) {
                // Serialises admissions to one key across nodes; released at commit. Keys in order: no deadlock.
                try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\(key), 0))", logger: logger)
                try await connection.query("DELETE FROM backchannel_limit_member WHERE key = \(key) AND until <= \(at)", logger: logger)
                let rows = try await connection.query(
                    "SELECT count(*)::INT8 FROM backchannel_limit_member WHERE key = \(key)", logger: logger)
                var count = 0
                for try await value in rows.decode(Int.self) { count = value }
                guard count < cap else { return false }
            }
            for (key, _) in caps {
                try await connection.query(
                    """
                    INSERT INTO backchannel_limit_member (key, member, until) VALUES (\(key), \(member), \(until.timeIntervalSince1970))
                    ON CONFLICT (key, member) DO UPDATE SET until = EXCLUDED.until
                    """, logger: logger)
            }
            return true
        }
    }

    public func release(member: String) async throws -> [String] {
        let rows = try await client.query("DELETE FROM backchannel_limit_member WHERE member = \(member) RETURNING key", logger: logger)
        var keys: [String] = []
        for try await key in rows.decode(String.self) { keys.append(key) }
        return keys
    }
}
