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

    @Test("poll pacing survives in the row where it must: a grown interval outlives the store, the last poll does not")
    func pacingAcrossRestart() async throws {
        let (directory, path) = try temporaryFile()
        defer { try? FileManager.default.removeItem(at: directory) }
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        do {
            let store = try SQLiteStore(path: path)
            try await store.insert(
                PendingRequest(
                    authReqIdHash: "h", clientId: "c", authenticator: "mock-push", scopes: ["openid"], acr: "mock-push", createdAt: now,
                    expiresAt: now.addingTimeInterval(600), interval: 5))
            guard case .admitted = try await store.registerPoll(authReqIdHash: "h", clientId: "c", now: now) else { Issue.record("first poll"); return }
            guard case .slowDown(let slowed) = try await store.registerPoll(authReqIdHash: "h", clientId: "c", now: now.addingTimeInterval(1)) else {
                Issue.record("early poll not slowed"); return
            }
            #expect(slowed.interval == 10)
        }
        let reopened = try SQLiteStore(path: path)
        // A restart forgets when it was last polled (so this poll is admitted) but keeps the grown interval.
        guard case .admitted(let request) = try await reopened.registerPoll(authReqIdHash: "h", clientId: "c", now: now.addingTimeInterval(2)) else {
            Issue.record("first poll after a restart slowed"); return
        }
        #expect(request.interval == 10)
        #expect(request.lastPolledAt == now.addingTimeInterval(2))
    }
}
