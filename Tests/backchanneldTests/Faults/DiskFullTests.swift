import BackchannelCore
import Foundation
import Testing

/// A size-limited tmpfs the tests mount themselves.
enum SmallDisk {
    /// Whether this process may mount a tmpfs (root in a sandbox or CI container).
    static let canMount: Bool = {
        guard getuid() == 0 else { return false }
        let probe = FileManager.default.temporaryDirectory.appendingPathComponent("mount-probe-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: probe, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: probe) }
        guard ChildProcess.succeeds("mount -t tmpfs -o size=64k tmpfs '\(probe.path)'") else { return false }
        return ChildProcess.succeeds("umount '\(probe.path)'")
    }()
}

/// The SQLite file's disk filling up under a running server, on a small tmpfs the test mounts itself.
// A bound for failing, not a measure: a second alone, over a minute beside the whole suite on two busy cores.
@Suite("faults: the SQLite disk full", .serialized, .timeLimit(.minutes(3)),
    .enabled(if: BackchanneldProcess.isBuilt, "skipped: the backchanneld binary is not built beside the tests"),
    .enabled(if: SmallDisk.canMount, "skipped: mounting a small tmpfs needs root (CAP_SYS_ADMIN)"))
struct DiskFullTests {
    /// Fills the filesystem holding `directory` with one file, to the last byte it takes.
    private func fill(_ directory: URL) -> URL {
        let filler = directory.appendingPathComponent("filler")
        FileManager.default.createFile(atPath: filler.path, contents: nil)
        guard let handle = try? FileHandle(forWritingTo: filler) else { return filler }
        let block = Data(count: 4096)
        while (try? handle.write(contentsOf: block)) != nil {}
        let byte = Data(count: 1)
        while (try? handle.write(contentsOf: byte)) != nil {}
        try? handle.close()
        return filler
    }

    private func integrity(_ file: URL) async throws -> String {
        try await ChildProcess.python(["-c", "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchone()[0])", file.path])
            .output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("with the disk full, writes answer server_error and the process keeps serving; with space back it recovers, nothing lost, the file intact")
    func diskFull() async throws {
        let directory = try ChildProcess.temporaryDirectory("disk-full")
        let disk = directory.appendingPathComponent("disk")
        try FileManager.default.createDirectory(at: disk, withIntermediateDirectories: true)
        #expect(ChildProcess.succeeds("mount -t tmpfs -o size=3m tmpfs '\(disk.path)'"))
        defer {
            _ = ChildProcess.succeeds("umount '\(disk.path)'")
            try? FileManager.default.removeItem(at: directory)
        }
        let file = try DemoFlow.configuration(
            in: directory, policy: "min_client_secret_length: 8, enforce_poll_interval: false, limits: { enabled: false }",
            users: [("carol", "silent")])
        var server = try await BackchanneldProcess(
            arguments: ["--config", file.path, "--data-dir", disk.path], log: directory.appendingPathComponent("log"))
        defer { server.stop() }
        var accepted: [String] = []
        for _ in 0..<5 { accepted.append(try await DemoFlow.start(server, "carol")) }

        let filler = fill(disk)
        var refused = 0
        for _ in 0..<50 {
            let answer = try await HTTPPeer.post(
                "\(server.baseURL)/backchannel/authentication", form: [("scope", "openid"), ("login_hint", "carol")], basic: DemoFlow.client)
            if answer.status == 200, let id = answer.json["auth_req_id"]?.stringValue {
                accepted.append(id)  // the WAL may still have had room: accepted means stored
            } else {
                #expect(answer.status == 500)
                #expect(answer.json["error"] == .string("server_error"))
                refused += 1
            }
        }
        #expect(refused > 0)
        #expect(try await HTTPPeer.get("\(server.operationsURL)/healthz").status == 200)
        for id in accepted { #expect(try await DemoFlow.poll(server, id).json["error"] == .string("authorization_pending")) }

        try FileManager.default.removeItem(at: filler)
        // With room again the next write goes through: no retry, no restart.
        #expect((try? await DemoFlow.start(server, "carol")) != nil)
        for id in accepted { #expect(try await DemoFlow.poll(server, id).json["error"] == .string("authorization_pending")) }

        // Stopped and checked: the file is intact, and a new process serves every request accepted before.
        server.stop()
        #expect(try await integrity(disk.appendingPathComponent("backchannel.sqlite")) == "ok")
        server = try await BackchanneldProcess(
            arguments: ["--config", file.path, "--data-dir", disk.path], log: directory.appendingPathComponent("log"))
        for id in accepted { #expect(try await DemoFlow.poll(server, id).json["error"] == .string("authorization_pending")) }
    }
}
