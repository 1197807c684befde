import BackchannelCore
import BackchannelServer
import Foundation
import Logging
import PostgresNIO

/// The `store` directory's users in PostgreSQL (``PostgresStore/users``): every node reads and writes the same
/// tables, and keeps its answers coherent with the others' writes (``DirectoryUserCache``).
public final class PostgresUsers: UserStore {
    let client: PostgresConnectionPool
    let logger: Logger
    /// This node's answers, coherent with every node's writes (LISTEN/NOTIFY).
    let userCache: DirectoryUserCache

    init(client: PostgresConnectionPool, clock: any BackchannelClock, logger: Logger) {
        self.client = client
        self.logger = logger
        self.userCache = DirectoryUserCache(clock: clock)
    }

    /// One transaction for the batch, in five statements whatever its size (an import's thousand users cost
    /// five round trips, not thousands): the keys the batch names and their owners, the batch's users as they
    /// are (locked), then the decisions, made here in order as if each user were put alone, written at once.
    /// Every node reads the users as soon as it commits. A key claimed by another node's concurrent write at
    /// the same moment fails the batch on the key's uniqueness, and nothing of it is kept.
    public func put(_ users: [DirectoryUser]) async throws -> [UserPutOutcome] {
        guard !users.isEmpty else { return [] }
        let documents = try users.map { try JSONEncoder().encode($0) }
        let keysOfUsers = users.map(DirectoryIndexKey.keys(of:))
        let subjects = users.map(\.subject)
        let outcomes = try await client.withTransaction(logger: logger) { connection in
            var previous: [String: DirectoryUser] = [:]
            for try await row in try await connection.checkedQuery(
                "SELECT subject, document FROM backchannel_directory_user WHERE subject = ANY(\(subjects)) ORDER BY subject FOR UPDATE", logger: self.logger
            ) {
                let (subject, document) = try row.decode((String, Data).self)
                previous[subject] = try JSONDecoder().decode(DirectoryUser.self, from: document)
            }
            var owners: [String: String] = [:]
            for try await row in try await connection.checkedQuery(
                "SELECT key, subject FROM backchannel_directory_user_key WHERE key = ANY(\(Array(Set(keysOfUsers.joined()))))", logger: self.logger
            ) {
                let (key, subject) = try row.decode((String, String).self)
                owners[key] = subject
            }
            var outcomes: [UserPutOutcome] = []
            var written: [Int] = []
            for (index, user) in users.enumerated() {
                if let key = keysOfUsers[index].first(where: { owners[$0].map { $0 != user.subject } ?? false }) {
                    outcomes.append(.keyTaken(key: key, owner: owners[key]!))
                    continue
                }
                if previous[user.subject] == user {
                    outcomes.append(.unchanged)
                    continue
                }
                // What this user held is free for the users after it in the batch.
                for key in previous[user.subject].map(DirectoryIndexKey.keys(of:)) ?? [] where owners[key] == user.subject { owners[key] = nil }
                for key in keysOfUsers[index] { owners[key] = user.subject }
                outcomes.append(previous[user.subject] == nil ? .created : .updated)
                previous[user.subject] = user
                written.append(index)
            }
            guard !written.isEmpty else { return outcomes }
            // A subject written twice in the batch: its last record stands.
            var last: [String: Int] = [:]
            for index in written { last[users[index].subject] = index }
            let finals = last.values.sorted()
            let writtenSubjects = finals.map { users[$0].subject }
            let pairs = finals.flatMap { index in keysOfUsers[index].map { ($0, users[index].subject) } }
            try await connection.checkedQuery(
                "DELETE FROM backchannel_directory_user_key WHERE subject = ANY(\(writtenSubjects))", logger: self.logger)
            try await connection.checkedQuery(
                "INSERT INTO backchannel_directory_user_key (key, subject) SELECT * FROM unnest(\(pairs.map(\.0))::TEXT[], \(pairs.map(\.1))::TEXT[])",
                logger: self.logger)
            try await connection.checkedQuery(
                """
                INSERT INTO backchannel_directory_user (subject, document)
                SELECT * FROM unnest(\(writtenSubjects)::TEXT[], \(finals.map { ByteBuffer(bytes: documents[$0]) })::BYTEA[])
                ON CONFLICT (subject) DO UPDATE SET document = EXCLUDED.document
                """, logger: self.logger)
            // Every node forgets what it kept, at the commit.
            try await connection.checkedQuery("SELECT pg_notify(\(DirectoryUserCache.channel), '')", logger: self.logger)
            return outcomes
        }
        // This node at once, without waiting for its own notification.
        userCache.invalidate()
        return outcomes
    }

    public func user(subject: String) async throws -> DirectoryUser? {
        try await lookup("s:" + subject, "SELECT document FROM backchannel_directory_user WHERE subject = \(subject)")
    }

    public func user(key: String) async throws -> DirectoryUser? {
        try await lookup(
            "k:" + key,
            "SELECT u.document FROM backchannel_directory_user_key AS k JOIN backchannel_directory_user AS u USING (subject) WHERE k.key = \(key)")
    }

    /// An answer this node kept (``DirectoryUserCache``), or one read now and kept unless a change came meanwhile.
    private func lookup(_ cacheKey: String, _ query: PostgresQuery) async throws -> DirectoryUser? {
        if let kept = userCache.answer(for: cacheKey) { return kept }
        let generation = userCache.generation()
        let user = try await client.query(query, logger: logger).first.map { try JSONDecoder().decode(DirectoryUser.self, from: try $0.decode(Data.self)) }
        userCache.keep(user, for: cacheKey, readAt: generation)
        return user
    }

    public func delete(subject: String) async throws -> Bool {
        let deleted = try await client.withTransaction(logger: logger) { connection in
            try await connection.checkedQuery("DELETE FROM backchannel_directory_user_key WHERE subject = \(subject)", logger: self.logger)
            try await connection.checkedQuery("SELECT pg_notify(\(DirectoryUserCache.channel), '')", logger: self.logger)
            return try await connection.checkedQuery(
                "DELETE FROM backchannel_directory_user WHERE subject = \(subject) RETURNING subject", logger: self.logger
            ).collect().count == 1
        }
        userCache.invalidate()
        return deleted
    }

    public func users(after: String?, limit: Int) async throws -> [DirectoryUser] {
        try await client.query(
            "SELECT document FROM backchannel_directory_user WHERE subject > \(after ?? "") ORDER BY subject LIMIT \(limit)", logger: logger
        ).map { try JSONDecoder().decode(DirectoryUser.self, from: try $0.decode(Data.self)) }
    }
}
