import BackchannelCore
import BackchannelServer
import BackchannelSQLite
import BackchannelTesting
import Foundation
import Testing

@Suite("SQLite store")
struct SQLiteStoreTests {
    private func temporaryFile() throws -> (directory: URL, path: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("backchannel-sqlite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return (directory, directory.appendingPathComponent("state.sqlite").path)
    }

    @Test("a second store on a file in use is refused at once, and the file opens again once it is free")
    func exclusiveUse() async throws {
        let (directory, path) = try temporaryFile()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Created and migrated, then reopened: the second opener of an up-to-date file must be refused too.
        do { _ = try SQLiteStore(path: path) }
        var first: SQLiteStore? = try SQLiteStore(path: path)
        let error = #expect(throws: SQLiteStoreError.self) { _ = try SQLiteStore(path: path) }
        #expect("\(error!)".contains("in use by another server process"))
        _ = try await first?.request(authReqIdHash: "x")
        first = nil
        _ = try SQLiteStore(path: path)
    }

    @Test("a grown interval is kept in the row: it outlives the store")
    func grownIntervalAcrossRestart() async throws {
        let (directory, path) = try temporaryFile()
        defer { try? FileManager.default.removeItem(at: directory) }
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        do {
            let store = try SQLiteStore(path: path)
            try await store.insert(
                PendingRequest(
                    authReqIdHash: "h", clientId: "c", authenticator: "mock-push", scopes: ["openid"], acr: "mock-push", createdAt: now,
                    expiresAt: now.addingTimeInterval(600), interval: 5))
            #expect(try await store.pollRead(authReqIdHash: "h").request?.interval == 5)
            #expect(try await store.growInterval(authReqIdHash: "h", by: 5) == 10)
        }
        let reopened = try SQLiteStore(path: path)
        #expect(try await reopened.pollRead(authReqIdHash: "h").request?.interval == 10)
    }
}
