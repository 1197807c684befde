import BackchannelCore
import BackchannelServer
import Foundation
import PostgresNIO

extension PostgresStore: UserStore {
    /// One transaction for the batch; every node reads the users as soon as it commits. A key claimed by
    /// another node's concurrent write at the same moment fails the batch on the key's uniqueness, and
    /// nothing of it is kept.
    public func put(_ users: [DirectoryUser]) async throws -> [UserPutOutcome] {
        let documents = try users.map { try JSONEncoder().encode($0) }
        return try await client.withTransaction(logger: logger) { connection in
            var outcomes: [UserPutOutcome] = []
            for (user, document) in zip(users, documents) {
                outcomes.append(try await Self.put(user, document: document, on: connection, logger: self.logger))
            }
            return outcomes
        }
    }

    private static func put(_ user: DirectoryUser, document: Data, on connection: PostgresConnection, logger: Logger) async throws -> UserPutOutcome {
        let keys = DirectoryIndexKey.keys(of: user)
        let taken = try await connection.query(
            """
            SELECT key, subject FROM backchannel_directory_user_key WHERE key = ANY(\(keys)) AND subject <> \(user.subject) LIMIT 1
            """, logger: logger
        ).collect()
        if let row = taken.first {
            let (key, owner) = try row.decode((String, String).self)
            return .keyTaken(key: key, owner: owner)
        }
        // Locks the user's row (when there is one) until the commit, so two writes of one user queue.
        let previous = try await connection.query(
            "SELECT document FROM backchannel_directory_user WHERE subject = \(user.subject) FOR UPDATE", logger: logger
        ).collect().first.map { try $0.decode(Data.self) }
        if let previous, try JSONDecoder().decode(DirectoryUser.self, from: previous) == user { return .unchanged }
        try await connection.query("DELETE FROM backchannel_directory_user_key WHERE subject = \(user.subject)", logger: logger)
        try await connection.query(
            "INSERT INTO backchannel_directory_user_key (key, subject) SELECT k, \(user.subject) FROM unnest(\(keys)::TEXT[]) AS k", logger: logger)
        try await connection.query(
            """
            INSERT INTO backchannel_directory_user (subject, document) VALUES (\(user.subject), \(document))
            ON CONFLICT (subject) DO UPDATE SET document = EXCLUDED.document
            """, logger: logger)
        return previous == nil ? .created : .updated
    }

    public func user(subject: String) async throws -> DirectoryUser? {
        try await client.query("SELECT document FROM backchannel_directory_user WHERE subject = \(subject)", logger: logger)
            .first.map { try JSONDecoder().decode(DirectoryUser.self, from: try $0.decode(Data.self)) }
    }

    public func user(key: String) async throws -> DirectoryUser? {
        try await client.query(
            """
            SELECT u.document FROM backchannel_directory_user_key AS k JOIN backchannel_directory_user AS u USING (subject) WHERE k.key = \(key)
            """, logger: logger
        ).first.map { try JSONDecoder().decode(DirectoryUser.self, from: try $0.decode(Data.self)) }
    }

    public func delete(subject: String) async throws -> Bool {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("DELETE FROM backchannel_directory_user_key WHERE subject = \(subject)", logger: self.logger)
            return try await connection.query(
                "DELETE FROM backchannel_directory_user WHERE subject = \(subject) RETURNING subject", logger: self.logger
            ).collect().count == 1
        }
    }

    public func users(after: String?, limit: Int) async throws -> [DirectoryUser] {
        try await client.query(
            "SELECT document FROM backchannel_directory_user WHERE subject > \(after ?? "") ORDER BY subject LIMIT \(limit)", logger: logger
        ).map { try JSONDecoder().decode(DirectoryUser.self, from: try $0.decode(Data.self)) }
    }
}
