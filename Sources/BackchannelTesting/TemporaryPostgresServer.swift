import Foundation
import Synchronization

/// A real PostgreSQL server in a temporary directory on a free loopback port, for tests: started with
/// the Debian package's `initdb` and `pg_ctl`, stopped (and its directory removed) by ``stop()``.
///
/// As root (CI), the server runs as the `postgres` user, since PostgreSQL refuses to run as root.
public final class TemporaryPostgresServer: Sendable {
    /// Why a server could not be started.
    public enum Failure: Error, CustomStringConvertible {
        /// The PostgreSQL server binaries are not installed.
        case notInstalled
        /// A step failed.
        case failed(step: String, output: String)

        public var description: String {
            switch self {
            case .notInstalled: "PostgreSQL's initdb and pg_ctl are not installed (Debian package postgresql)"
            case .failed(let step, let output): "\(step) failed: \(output)"
            }
        }
    }

    /// The server's port on 127.0.0.1.
    public let port: Int
    private let directory: URL
    private let binaries: URL
    private let runAsPostgres: Bool

    /// The directory holding `initdb`, `pg_ctl` and `psql`, or `nil` when PostgreSQL is not installed.
    public static var binaryDirectory: URL? {
        let root = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return versions.compactMap(Int.init).sorted().reversed().lazy
            .map { root.appendingPathComponent("\($0)/bin") }
            .first { FileManager.default.isExecutableFile(atPath: $0.appendingPathComponent("pg_ctl").path) }
    }

    private init(port: Int, directory: URL, binaries: URL, runAsPostgres: Bool) {
        self.port = port
        self.directory = directory
        self.binaries = binaries
        self.runAsPostgres = runAsPostgres
    }

    /// Initialises and starts a server.
    /// - Throws: ``Failure/notInstalled`` when the binaries are missing, so callers can skip.
    public static func start() async throws -> TemporaryPostgresServer {
        guard let binaries = binaryDirectory else { throw Failure.notInstalled }
        let server = TemporaryPostgresServer(
            port: try LoopbackPort.free(),
            directory: FileManager.default.temporaryDirectory.appendingPathComponent("backchannel-pg-\(UUID().uuidString)"),
            binaries: binaries, runAsPostgres: getuid() == 0)
        try FileManager.default.createDirectory(at: server.directory, withIntermediateDirectories: true)
        if server.runAsPostgres { try await run("/bin/chown", ["postgres", server.directory.path], step: "chown") }
        try await server.run("initdb", ["-D", server.dataDirectory, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"], step: "initdb")
        try await server.resume()
        return server
    }

    private var dataDirectory: String { directory.appendingPathComponent("data").path }

    /// Starts the server (again, after ``halt()``) on its port and files, and waits until it accepts connections.
    public func resume() async throws {
        // Every suite shares one server: process tests' nodes hold 20 connections each, store tests a few per
        // database, and a whole-suite run went past 200 at once.
        let options = "-p \(port) -k \(directory.path) -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=400"
        try await run(
            "pg_ctl", ["-D", dataDirectory, "-o", options, "-l", directory.appendingPathComponent("log").path, "-w", "-t", "60", "start"],
            step: "pg_ctl start")
    }

    /// Stops the server as an outage would (`pg_ctl stop -m immediate`: connections are cut, nothing is
    /// flushed), keeping its files so ``resume()`` brings it back. For fault tests; never on ``shared()``.
    public func halt() async throws {
        try await run("pg_ctl", ["-D", dataDirectory, "-m", "immediate", "-w", "stop"], step: "pg_ctl stop")
    }

    /// A URL for a new, empty database on the server.
    /// Runs one SQL statement with `psql` in the database of `url` (one ``makeDatabase()`` made), for a test
    /// that acts on the server from outside the code under test: ending a connection, say.
    public func execute(_ statement: String, inDatabaseOf url: String) async throws {
        let database = String(url.split(separator: "/").last ?? "postgres")
        try await run(
            "psql", ["-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1", "-c", statement],
            step: "psql")
    }

    public func makeDatabase() async throws -> String {
        let name = "test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await run(
            "psql", ["-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", "CREATE DATABASE \(name)"],
            step: "createdb")
        return "postgres://postgres@127.0.0.1:\(port)/\(name)"
    }

    /// Stops the server at once and deletes its files. Blocking: for `atexit` and synchronous teardown.
    public func stop() {
        let pgCtl = binaries.appendingPathComponent("pg_ctl").path
        let arguments = [pgCtl, "-D", directory.appendingPathComponent("data").path, "-m", "immediate", "-w", "stop"]
        let command = ((runAsPostgres ? ["/usr/sbin/runuser", "-u", "postgres", "--"] : []) + arguments).map(Self.shellQuoted)
            .joined(separator: " ")
        _ = system(command + " </dev/null >/dev/null 2>&1")
        try? FileManager.default.removeItem(at: directory)
    }

    private func run(_ tool: String, _ arguments: [String], step: String) async throws {
        let path = binaries.appendingPathComponent(tool).path
        if runAsPostgres {
            try await Self.run("/usr/sbin/runuser", ["-u", "postgres", "--", path] + arguments, step: step)
        } else {
            try await Self.run(path, arguments, step: step)
        }
    }

    /// Runs a tool to completion on a thread of its own, through `system(3)`: `waitpid` on the shell
    /// alone, so a server daemon that inherits descriptors cannot keep the wait from ending (which
    /// Foundation's `Process` cannot promise for `pg_ctl start`).
    private static func run(_ executable: String, _ arguments: [String], step: String) async throws {
        let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("backchannel-pg-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: outputFile) }
        let command = ([executable] + arguments).map(shellQuoted).joined(separator: " ")
            + " </dev/null >\(shellQuoted(outputFile.path)) 2>&1"
        let status: Int32 = await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: system(command)) }
        }
        guard status == 0 else {
            let text = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
            throw Failure.failed(step: step, output: text)
        }
    }

    private static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

extension TemporaryPostgresServer {
    private actor Shared {
        var server: Task<TemporaryPostgresServer, any Error>?

        func get() async throws -> TemporaryPostgresServer {
            if let server { return try await server.value }
            let task = Task {
                let server = try await TemporaryPostgresServer.start()
                TemporaryPostgresServer.stopAtExit.withLock { $0 = server }
                atexit { TemporaryPostgresServer.stopAtExit.withLock { $0 }?.stop() }
                return server
            }
            server = task
            return try await task.value
        }
    }

    private static let sharedServer = Shared()
    private static let stopAtExit = Mutex<TemporaryPostgresServer?>(nil)

    /// The process-wide server, started on first use and stopped when the process exits, so a test
    /// suite pays for one `initdb`. Each test takes its own database with ``makeDatabase()``.
    public static func shared() async throws -> TemporaryPostgresServer {
        try await sharedServer.get()
    }
}
