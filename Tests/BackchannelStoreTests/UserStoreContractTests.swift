import BackchannelCore
import BackchannelPostgres
import BackchannelServer
import BackchannelSQLite
import BackchannelTesting
import Foundation
import Testing

/// The `store` directory's users behave the same in memory, SQLite and PostgreSQL.
@Suite("user store contract", .timeLimit(.minutes(2)))
struct UserStoreContractTests {
    static func users(_ store: StoreUnderTest) -> any UserStore {
        (store.requests as? SQLiteStore)?.users ?? (store.requests as? PostgresStore)?.users ?? InMemoryUserStore()
    }

    static let alice = DirectoryUser(
        subject: "u1", loginHints: ["alice"], phoneNumber: "+15550100", email: "Alice@Example.com", attributes: ["given_name": .string("Alice")])

    @Test("a user is created once, unchanged when put again, updated when different, and keeps its claims' attribute names", arguments: StoreKind.available)
    func putOutcomes(kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        defer { store.close() }
        let users = Self.users(store)
        #expect(try await users.put(Self.alice) == .created)
        #expect(try await users.put(Self.alice) == .unchanged)
        var changed = Self.alice
        changed.attributes["family_name"] = .string("Liddell")
        #expect(try await users.put(changed) == .updated)
        #expect(try await users.user(subject: "u1") == changed)
        #expect(try await users.user(subject: "u1")?.attributes["given_name"] == .string("Alice"))
    }

    @Test("a user is found by subject and by each normalised key, and by none after it is deleted", arguments: StoreKind.available)
    func keysAndDelete(kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        defer { store.close() }
        let users = Self.users(store)
        _ = try await users.put(Self.alice)
        let directory = StoreUserDirectory(users: users)
        for hint in ["u1", "alice", "alice@example.com", "ALICE@EXAMPLE.COM", "+1 555 0100"] {
            #expect(try await directory.user(loginHint: hint)?.subject == "u1", "\(hint)")
        }
        #expect(try await users.delete(subject: "u1"))
        #expect(try await users.delete(subject: "u1") == false)
        #expect(try await directory.user(loginHint: "alice") == nil)
        #expect(try await users.user(subject: "u1") == nil)
    }

    @Test("a key another user holds is refused, and the refused user is not stored; a replaced user's old keys are freed", arguments: StoreKind.available)
    func keyTaken(kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        defer { store.close() }
        let users = Self.users(store)
        _ = try await users.put(Self.alice)
        let outcomes = try await users.put([
            DirectoryUser(subject: "u2", loginHints: ["ALICE@example.com"]), DirectoryUser(subject: "u3", loginHints: ["carol"]),
        ])
        #expect(outcomes == [.keyTaken(key: "alice@example.com", owner: "u1"), .created])
        #expect(try await users.user(subject: "u2") == nil)
        _ = try await users.put(DirectoryUser(subject: "u1", loginHints: ["alice"]))
        #expect(try await users.put(DirectoryUser(subject: "u2", email: "alice@example.com")) == .created)
    }

    @Test("a batch is decided in order, as if each user were put alone", arguments: StoreKind.available)
    func batchInOrder(kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        defer { store.close() }
        let users = Self.users(store)
        _ = try await users.put(Self.alice)
        let outcomes = try await users.put([
            DirectoryUser(subject: "u2", loginHints: ["bob@example.com"]),
            DirectoryUser(subject: "u3", loginHints: ["BOB@example.com"]),  // the same key as u2's, just claimed: refused
            DirectoryUser(subject: "u1", loginHints: ["alice"]),  // u1 lets its e-mail address and phone number go…
            DirectoryUser(subject: "u4", email: "alice@example.com"),  // …so a later user may take one
            DirectoryUser(subject: "u2", loginHints: ["bob@example.com"]),
        ])
        #expect(outcomes == [.created, .keyTaken(key: "bob@example.com", owner: "u2"), .updated, .created, .unchanged])
        #expect(try await StoreUserDirectory(users: users).user(loginHint: "alice@example.com")?.subject == "u4")
        #expect(try await StoreUserDirectory(users: users).user(loginHint: "Bob@example.com")?.subject == "u2")
    }

    @Test("users are listed in subject order, a page at a time", arguments: StoreKind.available)
    func paging(kind: StoreKind) async throws {
        let store = try await StoreUnderTest.make(kind)
        defer { store.close() }
        let users = Self.users(store)
        _ = try await users.put((1...5).map { DirectoryUser(subject: "u\($0)") })
        #expect(try await users.users(after: nil, limit: 2).map(\.subject) == ["u1", "u2"])
        #expect(try await users.users(after: "u2", limit: 2).map(\.subject) == ["u3", "u4"])
        #expect(try await users.users(after: "u4", limit: 2).map(\.subject) == ["u5"])
    }

    @Test("on PostgreSQL a user one node writes is found by another at once", .enabled(if: StoreKind.postgresInstalled))
    func sharedAmongNodes() async throws {
        let url = try await TemporaryPostgresServer.shared().makeDatabase()
        let first = try await PostgresStore.connect(url: url, connections: 2, clock: VirtualClock(), connectTimeout: TemporaryPostgresServer.connectTimeout)
        let second = try await PostgresStore.connect(url: url, connections: 2, clock: VirtualClock(), connectTimeout: TemporaryPostgresServer.connectTimeout)
        let pools = [Task { await first.run() }, Task { await second.run() }]
        defer { pools.forEach { $0.cancel() } }
        _ = try await first.users.put(Self.alice)
        #expect(try await StoreUserDirectory(users: second.users).user(loginHint: "alice@example.com")?.subject == "u1")
        #expect(try await first.users.delete(subject: "u1"))
        #expect(try await second.users.user(subject: "u1") == nil)
    }

    @Test("on PostgreSQL a node's kept answers follow another node's change, and stay right while its change feed is cut and rebuilt",
        .enabled(if: StoreKind.postgresInstalled))
    func cachedAnswersFollowChanges() async throws {
        let server = try await TemporaryPostgresServer.shared()
        let url = try await server.makeDatabase()
        let first = try await PostgresStore.connect(url: url, connections: 2, clock: VirtualClock(), connectTimeout: TemporaryPostgresServer.connectTimeout)
        let second = try await PostgresStore.connect(url: url, connections: 2, clock: VirtualClock(), connectTimeout: TemporaryPostgresServer.connectTimeout)
        let pools = [Task { await first.run() }, Task { await second.run() }]
        defer { pools.forEach { $0.cancel() } }
        await second.waitForDirectoryFeed()
        let directory = StoreUserDirectory(users: second.users)
        _ = try await first.users.put(Self.alice)
        #expect(try await directory.user(loginHint: "alice@example.com")?.attributes["given_name"] == .string("Alice"))  // now kept
        #expect(try await directory.user(loginHint: "bob@example.com") == nil)  // a miss, kept too

        var changed = Self.alice
        changed.attributes["given_name"] = .string("Alicia")
        var seen = second.directoryFeedGeneration
        _ = try await first.users.put([changed, DirectoryUser(subject: "u2", email: "bob@example.com")])
        await second.waitForDirectoryFeed(generation: seen + 1)
        #expect(try await directory.user(loginHint: "alice@example.com")?.attributes["given_name"] == .string("Alicia"))
        #expect(try await directory.user(loginHint: "bob@example.com")?.subject == "u2")

        // The feed's connection cut (and kept from coming back while the test needs the node deaf): the node
        // keeps nothing until it listens again, so a change made meanwhile (its notification lost with the
        // connection) is read from the database.
        seen = second.directoryFeedGeneration
        second.holdChangeFeed()
        FileHandle.standardError.write(Data("[TEST \(Date().timeIntervalSince1970)] terminating\n".utf8))
        try await server.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'backchannel-change-feed'", inDatabaseOf: url)
        FileHandle.standardError.write(Data("[TEST \(Date().timeIntervalSince1970)] terminated\n".utf8))
        await second.waitForDirectoryFeed(listening: false, generation: seen + 1)
        FileHandle.standardError.write(Data("[TEST \(Date().timeIntervalSince1970)] deaf\n".utf8))
        #expect(try await first.users.delete(subject: "u2"))
        #expect(try await directory.user(loginHint: "bob@example.com") == nil)
        second.releaseChangeFeed()
        await second.waitForDirectoryFeed()
        seen = second.directoryFeedGeneration
        _ = try await first.users.put(DirectoryUser(subject: "u3", email: "bob@example.com"))
        await second.waitForDirectoryFeed(generation: seen + 1)
        #expect(try await directory.user(loginHint: "bob@example.com")?.subject == "u3")
    }
}
