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
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read on a thread of its own: the pipe fills up if nobody reads while the program runs.
        return await withCheckedContinuation { continuation in
            Thread {
                let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                continuation.resume(returning: (ProcessExit.wait(for: process) ?? -1, output))
            }.start()
        }
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
