import BackchannelServer
import Dispatch
import Foundation
import GRDB
import Testing

@testable import BackchannelSQLite

@Suite("SQLite group commit")
struct GroupCommitTests {
    private let now = Date(timeIntervalSince1970: 1_800_000_000)

    private func withStore(_ body: (SQLiteStore) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("backchannel-group-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(try SQLiteStore(path: directory.appendingPathComponent("state.sqlite").path))
    }

    private func request(_ hash: String) -> PendingRequest {
        PendingRequest(
            authReqIdHash: hash, clientId: "c", authenticator: "mock-push", scopes: ["openid"], acr: "mock-push", createdAt: now,
            expiresAt: now.addingTimeInterval(600), interval: 5)
    }

    /// Holds the database queue in a write until `release` is signalled, so that the writes made meanwhile
    /// wait together for the next batch; returns once the holding write runs (the write says so itself).
    private func holdWriter(_ store: SQLiteStore, release: DispatchSemaphore) async throws -> Task<Void, any Error> {
        let (running, started) = AsyncStream<Void>.makeStream()
        let holder = Task {
            try await store.commit.write { _ in
                started.yield()
                release.wait()
            }
        }
        for await _ in running { break }
        return holder
    }

    @Test(
        "reads that wait behind a write wait suspended: more of them than the cooperative pool has threads, and other work still runs",
        .timeLimit(.minutes(1)))
    func readsBehindAWriteHoldNoThread() async throws {
        try await withStore { store in
            try await store.insert(request("h"))
            let release = DispatchSemaphore(value: 0)
            let holder = try await holdWriter(store, release: release)
            try await withThrowingTaskGroup(of: PendingRequest?.self) { group in
                for _ in 0..<(2 * ProcessInfo.processInfo.activeProcessorCount + 4) {
                    group.addTask { try await store.request(authReqIdHash: "h") }
                }
                // A blocking read would take every thread of the pool, and this task would never run.
                let ran = await Task { true }.value
                #expect(ran)
                release.signal()
                for try await read in group { #expect(read?.authReqIdHash == "h") }
            }
            try await holder.value
        }
    }

    @Test("writes that arrive while a batch commits are committed together in the next one, and each is answered")
    func concurrentWritesShareACommit() async throws {
        try await withStore { store in
            let release = DispatchSemaphore(value: 0)
            let holder = try await holdWriter(store, release: release)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<50 { group.addTask { try await store.insert(request("h\(n)")) } }
                await store.commit.waitForWaiting(50)
                release.signal()
                try await group.waitForAll()
            }
            try await holder.value
            #expect(store.commit.statistics == .init(commits: 2, writes: 51, largestBatch: 50))
            for n in 0..<50 { #expect(try await store.request(authReqIdHash: "h\(n)") != nil) }
        }
    }

    @Test("a write that fails inside a batch is rolled back alone, none of it left: it answers its error, the rest of the batch commits")
    func failingWriteRolledBackAlone() async throws {
        try await withStore { store in
            try await store.insert(request("taken"))
            let release = DispatchSemaphore(value: 0)
            let holder = try await holdWriter(store, release: release)
            async let before: Void = store.insert(request("before"))
            // Two rows, the second of which exists: the first must not survive its write's failure.
            let failing = Task { try await store.insert(contentsOf: [request("partial"), request("taken")]) }
            async let after: Void = store.insert(request("after"))
            await store.commit.waitForWaiting(3)
            release.signal()
            try await before
            await #expect(throws: DatabaseError.self) { try await failing.value }
            try await after
            try await holder.value
            // The batch of three was rolled back and its writes committed one by one, the failing one not.
            #expect(store.commit.statistics == .init(commits: 4, writes: 4, largestBatch: 3))
            #expect(try await store.request(authReqIdHash: "before") != nil)
            #expect(try await store.request(authReqIdHash: "after") != nil)
            #expect(try await store.request(authReqIdHash: "partial") == nil)
        }
    }

    @Test("a write is answered only once it is on disk: a store reopened on the file has every answered write")
    func answeredWritesAreCommitted() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("backchannel-group-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("state.sqlite").path
        do {
            let store = try SQLiteStore(path: path)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<200 { group.addTask { try await store.insert(request("h\(n)")) } }
                try await group.waitForAll()
            }
        }
        let reopened = try SQLiteStore(path: path)
        for n in 0..<200 { #expect(try await reopened.request(authReqIdHash: "h\(n)") != nil) }
    }
}
