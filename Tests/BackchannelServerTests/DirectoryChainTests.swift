import BackchannelCore
import BackchannelServer
import Synchronization
import Testing

/// Several directories in a chain: the first that knows a hint answers, and a subject names one user.
@Suite("directory chain")
struct DirectoryChainTests {
    struct Failing: UserDirectory {
        struct Down: Error {}
        func user(subject: String) async throws -> DirectoryUser? { throw Down() }
        func user(loginHint: String) async throws -> DirectoryUser? { throw Down() }
    }

    static func store(_ users: [DirectoryUser]) async throws -> any UserDirectory {
        let store = InMemoryUserStore()
        _ = try await store.put(users)
        return StoreUserDirectory(users: store)
    }

    @Test("a chain of two or more needs a subject prefix on each directory, none starting another")
    func prefixesRequired() async throws {
        let one = try await Self.store([])
        #expect(throws: DirectoryChain.Ambiguity.self) {
            try DirectoryChain([.init(name: "a", directory: one), .init(name: "b", subjectPrefix: "b:", directory: one)])
        }
        let overlap = #expect(throws: DirectoryChain.Ambiguity.self) {
            try DirectoryChain([.init(name: "a", subjectPrefix: "x", directory: one), .init(name: "b", subjectPrefix: "x:", directory: one)])
        }
        #expect(overlap?.index == 1)
        _ = try DirectoryChain([.init(name: "a", directory: one)])
    }

    @Test("a login hint is answered by the first directory that knows it, its subject prefixed")
    func firstMatchWins() async throws {
        let first = try await Self.store([DirectoryUser(subject: "1", loginHints: ["alice"])])
        let second = try await Self.store([DirectoryUser(subject: "1", loginHints: ["alice", "bob"])])
        let chain = try DirectoryChain([.init(name: "db", subjectPrefix: "db:", directory: first), .init(name: "ldap", subjectPrefix: "ldap:", directory: second)])
        #expect(try await chain.user(loginHint: "alice")?.subject == "db:1")
        #expect(try await chain.user(loginHint: "bob")?.subject == "ldap:1")
        #expect(try await chain.user(loginHint: "carol") == nil)
    }

    @Test("a subject goes to the one directory its prefix names, so the same local subject in two directories is two users")
    func subjectByPrefix() async throws {
        let first = try await Self.store([DirectoryUser(subject: "1", email: "a@example.com")])
        let second = try await Self.store([DirectoryUser(subject: "1", email: "b@example.com")])
        let chain = try DirectoryChain([.init(name: "db", subjectPrefix: "db:", directory: first), .init(name: "ldap", subjectPrefix: "ldap:", directory: second)])
        #expect(try await chain.user(subject: "db:1")?.email == "a@example.com")
        #expect(try await chain.user(subject: "ldap:1")?.email == "b@example.com")
        #expect(try await chain.user(subject: "1") == nil)
        #expect(try await chain.user(loginHint: "ldap:1")?.email == "b@example.com")
    }

    @Test("a failing directory fails the lookup instead of letting a later one answer that nobody matches")
    func failureIsNotAMiss() async throws {
        let later = try await Self.store([])
        let chain = try DirectoryChain([.init(name: "ldap", subjectPrefix: "l:", directory: Failing()), .init(name: "db", subjectPrefix: "d:", directory: later)])
        await #expect(throws: Failing.Down.self) { try await chain.user(loginHint: "alice") }
        await #expect(throws: Failing.Down.self) { try await chain.user(subject: "l:1") }
    }

    @Test("an authentication request while the directory is down is server_error at once, and nothing is stored")
    func directoryDownIsServerError() async throws {
        let fixture = try await EngineFixture.make(userDirectory: Failing())
        let error = try #require(await fixture.start([("scope", "openid"), ("login_hint", "alice")]).failure)
        #expect(error.code == "server_error")
        #expect(error.httpStatus == 500)
        #expect(fixture.store.count == 0)
    }

    /// The fixture's users, until `down` is set.
    final class SwitchableDirectory: UserDirectory {
        let users = StaticUserDirectory([DirectoryUser(subject: "alice", loginHints: ["alice@example.com"], email: "alice@example.com")])
        let down = Mutex(false)

        func user(subject: String) async throws -> DirectoryUser? {
            if down.withLock({ $0 }) { throw Failing.Down() }
            return try await users.user(subject: subject)
        }

        func user(loginHint: String) async throws -> DirectoryUser? {
            if down.withLock({ $0 }) { throw Failing.Down() }
            return try await users.user(loginHint: loginHint)
        }
    }

    @Test("UserInfo while the directory is down is server_error, not invalid_token: the client keeps a good token")
    func userinfoDirectoryDown() async throws {
        let directory = SwitchableDirectory()
        let fixture = try await EngineFixture.make(userDirectory: directory)
        let ack = try await fixture.startOK([("scope", "openid email"), ("login_hint", "alice")])
        await fixture.clock.advance(by: 5)
        let issued = try await fixture.poll(ack.authReqId).get()
        #expect(try await fixture.engine.userinfoRequest(authorization: "Bearer \(issued.accessToken)", formToken: nil).get()["email"] != nil)
        directory.down.withLock { $0 = true }
        let answer = await fixture.engine.userinfoRequest(authorization: "Bearer \(issued.accessToken)", formToken: nil)
        guard case .failure(let error) = answer else {
            Issue.record("answered \(answer)")
            return
        }
        #expect(error.code == "server_error")
        #expect(error.httpStatus == 500)
    }
}
