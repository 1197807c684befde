import BackchannelTesting
import Foundation
import Logging
import PostgresNIO
import Testing

@testable import BackchannelPostgres

@Suite("PostgreSQL connection pool", .timeLimit(.minutes(2)),
    .enabled(if: TemporaryPostgresServer.binaryDirectory != nil, "skipped: PostgreSQL (initdb, pg_ctl) is not installed; .ci/run installs it"))
struct PostgresPoolTests {
    private static func pool(_ url: String, size: Int, deadline: Duration = .seconds(5)) throws -> PostgresConnectionPool {
        PostgresConnectionPool(
            size: size, configuration: try PostgresEndpoint(url: url).connectionConfiguration(connectTimeout: .seconds(5)),
            deadline: deadline, logger: Logger(label: "test"))
    }

    private static func one(_ pool: PostgresConnectionPool) async throws -> Int {
        try await pool.query("SELECT 1", logger: Logger(label: "test")).first!.decode(Int.self)
    }

    /// Once the pool has connected (a loaded machine may take longer than a short deadline).
    private static func connected(_ pool: PostgresConnectionPool) async throws {
        await pool.waitUntil(.open(1))
        #expect(try await one(pool) == 1)
    }

    @Test("more concurrent operations than connections take turns, and every one is served")
    func moreOperationsThanConnections() async throws {
        let server = try await TemporaryPostgresServer.shared()
        // A generous deadline: this is about every operation being served in turn, not how fast (the whole
        // suite on 2 cores shares this PostgreSQL server).
        let pool = try Self.pool(try await server.makeDatabase(), size: 3, deadline: .seconds(60))
        let running = Task { await pool.run() }
        defer { running.cancel() }
        try await Self.connected(pool)
        let answers = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<60 {
                group.addTask { try await pool.query("SELECT 1 FROM pg_sleep(0.005)", logger: Logger(label: "test")).first!.decode(Int.self) }
            }
            return try await group.reduce(0, +)
        }
        #expect(answers == 60)
    }

    @Test("an operation waits for a connection at most its deadline, then fails as unavailable")
    func boundedWait() async throws {
        let server = try await TemporaryPostgresServer.shared()
        let pool = try Self.pool(try await server.makeDatabase(), size: 1, deadline: .seconds(1))
        let running = Task { await pool.run() }
        defer { running.cancel() }
        try await Self.connected(pool)
        // The holder keeps the only connection until the test lets it go: the operation below can end only by
        // its own deadline, whatever the machine's load, never by the connection coming free.
        let (held, heldSignal) = AsyncStream<Void>.makeStream()
        let (release, releaseSignal) = AsyncStream<Void>.makeStream()
        let holder = Task {
            try await pool.withConnection { _ in
                heldSignal.yield()
                for await _ in release {}
            }
        }
        for await _ in held { break }
        await #expect(throws: PostgresStoreError.unavailable(seconds: 1)) { _ = try await Self.one(pool) }
        releaseSignal.finish()
        try await holder.value
        try await Self.connected(pool)
    }

    @Test("while the database is down operations fail at once, and after it is back a burst is served without a crash")
    func databaseRestart() async throws {
        let server = try await TemporaryPostgresServer.start()
        defer { server.stop() }
        // An operation that waited for a connection would wait an hour: past the suite's time limit.
        let pool = try Self.pool(try await server.makeDatabase(), size: 4, deadline: .seconds(3600))
        let running = Task { await pool.run() }
        defer { running.cancel() }
        try await Self.connected(pool)

        try await server.halt()
        // The open connections fail or close; once every slot has failed to reconnect, no operation waits.
        await pool.waitUntil(.outOfReach)
        await #expect(throws: PostgresStoreError.outOfReach) { _ = try await Self.one(pool) }

        try await server.resume()
        // postgres-nio's own pool crashed the process here: demand while fewer connections than its minimum were open.
        await pool.waitUntil(.open(4))
        let served = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<40 { group.addTask { (try? await Self.one(pool)) == 1 } }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(served == 40)
    }

    @Test("a transaction whose connection the server closes between two statements fails as connectionLost, and the pool serves again")
    func connectionClosedBetweenStatements() async throws {
        let server = try await TemporaryPostgresServer.shared()
        let url = try await server.makeDatabase()
        let pool = try Self.pool(url, size: 1)
        let running = Task { await pool.run() }
        defer { running.cancel() }
        try await Self.connected(pool)
        let logger = Logger(label: "test")
        await #expect(throws: PostgresStoreError.connectionLost) {
            try await pool.withTransaction(logger: logger) { connection in
                let pid = try await connection.checkedQuery("SELECT pg_backend_pid()", logger: logger).collect().first!.decode(Int32.self)
                try await server.execute("SELECT pg_terminate_backend(\(pid))", inDatabaseOf: url)
                try await connection.closeFuture.get()
                try await connection.checkedQuery("SELECT 1", logger: logger)
            }
        }
        await pool.waitUntil(.open(1))
        #expect(try await Self.one(pool) == 1)
    }

    @Test("a test's wait for the slots ends when its task is cancelled, so a time limit ends that test and not the run")
    func slotWaitEndsOnCancellation() async throws {
        let pool = try Self.pool("postgres://postgres@127.0.0.1:1/none", size: 1)  // never run: never open
        let wait = Task { await pool.waitUntil(.open(1)) }
        wait.cancel()
        await wait.value
    }

    @Test("a store needs at least one connection")
    func connectionCount() async throws {
        await #expect(throws: PostgresStoreError.invalidConnectionCount(0)) {
            _ = try await PostgresStore.connect(url: "postgres://u@127.0.0.1:1/db", connections: 0)
        }
    }
}
