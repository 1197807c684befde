import BackchannelTesting
import Foundation

/// Other programs the tests run to their end: the example executables, the Python checks.
enum ChildProcess {
    /// Runs `executable` with `arguments` (standard input closed) until it exits.
    /// - Returns: Its exit status and everything it printed, standard output and error together.
    static func run(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil) async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        // Output goes to a file, read once the program has exited. A pipe's end of file would come only when
        // every holder of its write end has closed it, and a server another test starts at the same moment
        // can inherit that end and keep it open: the program exits, and the read waits on a stranger.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: file) }
        let output = try FileHandle(forWritingTo: file)
        defer { try? output.close() }
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Waited for on a thread of its own (the wait blocks), for as long as it runs: a build may take
        // minutes on a busy machine, and the calling test's time limit bounds it.
        let status = await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: ProcessExit.wait(for: process, timeout: .seconds(3600)) ?? -1) }.start()
        }
        return (status, String(decoding: (try? Data(contentsOf: file)) ?? Data(), as: UTF8.self))
    }

    /// Runs `python3` with `arguments`, warnings off.
    static func python(_ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32, output: String) {
        try await run(
            URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-W", "ignore"] + arguments,
            environment: ProcessInfo.processInfo.environment.merging(environment) { $1 })
    }

    /// Whether a shell command succeeds: for checking that a tool is installed.
    static func succeeds(_ command: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        return ProcessExit.wait(for: process) == 0
    }

    /// A new, empty directory under the temporary directory; the caller removes it.
    static func temporaryDirectory(_ prefix: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }
}
