import BackchannelCore
import BackchannelServer
import Foundation
import GRDB

extension SQLiteStore: UserStore {
    public func put(_ users: [DirectoryUser]) async throws -> [UserPutOutcome] {
        let documents = try users.map { try JSONEncoder().encode($0) }
        // One transaction for the batch (an import's thousand users commit once); each user's keys are
        // checked before it is written, so a refused user leaves nothing behind.
        return try await database.write { db in
            try zip(users, documents).map { user, document in try Self.put(user, document: document, in: db) }
        }
    }

    private static func put(_ user: DirectoryUser, document: Data, in db: Database) throws -> UserPutOutcome {
        let keys = DirectoryIndexKey.keys(of: user)
        let owners = try db.cachedStatement(sql: "SELECT subject FROM directory_user_key WHERE key = ?")
        for key in keys {
            if let owner = try String.fetchOne(owners, arguments: [key]), owner != user.subject { return .keyTaken(key: key, owner: owner) }
        }
        let previous = try Data.fetchOne(
            db.cachedStatement(sql: "SELECT document FROM directory_user WHERE subject = ?"), arguments: [user.subject])
        if let previous, try JSONDecoder().decode(DirectoryUser.self, from: previous) == user { return .unchanged }
        try db.cachedStatement(sql: "DELETE FROM directory_user_key WHERE subject = ?").execute(arguments: [user.subject])
        let insertKey = try db.cachedStatement(sql: "INSERT INTO directory_user_key (key, subject) VALUES (?, ?)")
        for key in keys { try insertKey.execute(arguments: [key, user.subject]) }
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO directory_user (subject, document) VALUES (?, ?)")
            .execute(arguments: [user.subject, document])
        return previous == nil ? .created : .updated
    }

    public func user(subject: String) async throws -> DirectoryUser? {
        try await readNow { db in
            try Data.fetchOne(db.cachedStatement(sql: "SELECT document FROM directory_user WHERE subject = ?"), arguments: [subject])
        }.map { try JSONDecoder().decode(DirectoryUser.self, from: $0) }
    }

    public func user(key: String) async throws -> DirectoryUser? {
        try await readNow { db in
            try Data.fetchOne(
                db.cachedStatement(
                    sql: "SELECT u.document FROM directory_user_key AS k JOIN directory_user AS u ON u.subject = k.subject WHERE k.key = ?"),
                arguments: [key])
        }.map { try JSONDecoder().decode(DirectoryUser.self, from: $0) }
    }

    public func delete(subject: String) async throws -> Bool {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM directory_user_key WHERE subject = ?", arguments: [subject])
            try db.execute(sql: "DELETE FROM directory_user WHERE subject = ?", arguments: [subject])
            return db.changesCount == 1
        }
    }

    public func users(after: String?, limit: Int) async throws -> [DirectoryUser] {
        try await readNow { db in
            try Data.fetchAll(
                db.cachedStatement(sql: "SELECT document FROM directory_user WHERE subject > ? ORDER BY subject LIMIT ?"),
                arguments: [after ?? "", limit])
        }.map { try JSONDecoder().decode(DirectoryUser.self, from: $0) }
    }
}
