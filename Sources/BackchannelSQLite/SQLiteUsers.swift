import BackchannelCore
import BackchannelServer
import Foundation
import GRDB

/// The `store` directory's users in the SQLite file (``SQLiteStore/users``), on the store's database queue, their
/// answers kept in memory exactly (``RecentRows``: every change goes through this process).
public final class SQLiteUsers: UserStore {
    let database: DatabaseQueue
    /// The answers (`s:` subject, `k:` key), misses included.
    let recentUsers = RecentRows<String, UserLookup>()

    init(database: DatabaseQueue) {
        self.database = database
    }

    /// One read statement on the store's queue (``SQLiteStore/readNow(_:)``).
    private func readNow<T: Sendable>(_ statement: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await SQLiteStore.readNow(on: database, statement)
    }

    public func put(_ users: [DirectoryUser]) async throws -> [UserPutOutcome] {
        let documents = try users.map { try JSONEncoder().encode($0) }
        // One transaction for the batch (an import's thousand users commit once); each user's keys are
        // checked before it is written, so a refused user leaves nothing behind.
        return try await database.write { db in
            try zip(users, documents).map { user, document in try self.put(user, document: document, in: db) }
        }
    }

    /// Drops every kept answer a change of `subject` from `old` to `new` keys can alter (call on the database
    /// queue, in the step that changes it): its subject, and each key it had or gets (a kept miss included).
    private func forget(subject: String, keys: [String]) {
        recentUsers.drop("s:" + subject)
        for key in keys { recentUsers.drop("k:" + key) }
    }

    private func put(_ user: DirectoryUser, document: Data, in db: Database) throws -> UserPutOutcome {
        let keys = DirectoryIndexKey.keys(of: user)
        let owners = try db.cachedStatement(sql: "SELECT subject FROM directory_user_key WHERE key = ?")
        for key in keys {
            if let owner = try String.fetchOne(owners, arguments: [key]), owner != user.subject { return .keyTaken(key: key, owner: owner) }
        }
        let previous = try Data.fetchOne(
            db.cachedStatement(sql: "SELECT document FROM directory_user WHERE subject = ?"), arguments: [user.subject])
        let old = try previous.map { try JSONDecoder().decode(DirectoryUser.self, from: $0) }
        if let old, old == user { return .unchanged }
        forget(subject: user.subject, keys: keys + (old.map(DirectoryIndexKey.keys(of:)) ?? []))
        try db.cachedStatement(sql: "DELETE FROM directory_user_key WHERE subject = ?").execute(arguments: [user.subject])
        let insertKey = try db.cachedStatement(sql: "INSERT INTO directory_user_key (key, subject) VALUES (?, ?)")
        for key in keys { try insertKey.execute(arguments: [key, user.subject]) }
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO directory_user (subject, document) VALUES (?, ?)")
            .execute(arguments: [user.subject, document])
        return previous == nil ? .created : .updated
    }

    public func user(subject: String) async throws -> DirectoryUser? {
        try await lookup("s:" + subject, sql: "SELECT document FROM directory_user WHERE subject = ?", argument: subject)
    }

    public func user(key: String) async throws -> DirectoryUser? {
        try await lookup(
            "k:" + key, sql: "SELECT u.document FROM directory_user_key AS k JOIN directory_user AS u ON u.subject = k.subject WHERE k.key = ?",
            argument: key)
    }

    /// An answer kept from before, or one read now and kept (on the database queue, so no change slips
    /// between the read and the keeping).
    private func lookup(_ cacheKey: String, sql: String, argument: String) async throws -> DirectoryUser? {
        if let kept = recentUsers[cacheKey] { return kept.user }
        return try await readNow { [self] db in
            let user = try Data.fetchOne(db.cachedStatement(sql: sql), arguments: [argument]).map {
                try JSONDecoder().decode(DirectoryUser.self, from: $0)
            }
            recentUsers.keep(UserLookup(user: user), for: cacheKey)
            return user
        }
    }

    public func delete(subject: String) async throws -> Bool {
        try await database.write { [self] db in
            if let document = try Data.fetchOne(db, sql: "SELECT document FROM directory_user WHERE subject = ?", arguments: [subject]) {
                forget(subject: subject, keys: DirectoryIndexKey.keys(of: try JSONDecoder().decode(DirectoryUser.self, from: document)))
            }
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

/// A `store` directory lookup's answer, kept by ``SQLiteStore/recentUsers``: a user, or none.
struct UserLookup: Sendable {
    let user: DirectoryUser?
}
