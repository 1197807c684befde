import BackchannelCore
import Foundation
import Testing

/// `Examples/CustomHost`, an integrator's own server built only on public API, serves a flow through a
/// plugin the stock `backchanneld` does not link.
@Suite("an integrator's own host", .timeLimit(.minutes(1)))
struct CustomHostTests {
    static let executable = BackchanneldProcess.builtExecutable("CustomHost")

    @Test("console-code: the code from the log, typed on the page over HTTP, ends in tokens",
        .enabled(if: FileManager.default.isExecutableFile(atPath: executable.path), "skipped: CustomHost is not built beside the tests"))
    func consoleCodeFlow() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("custom-host-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("log")
        let node = try await BackchanneldProcess(
            arguments: ["--config", ConsoleCodeFlow.configuration.path, "--data-dir", directory.appendingPathComponent("data").path], log: log,
            executable: Self.executable, logLevel: "notice")
        defer { node.stop() }
        let tokens = try await ConsoleCodeFlow.run(node, log: log)
        #expect(tokens.status == 200)
        #expect(tokens.json["id_token"] != nil)
    }
}
