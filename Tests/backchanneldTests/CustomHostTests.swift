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

    @Test("a directory plugin the host registers (CSV) finds the users its configuration names",
        .enabled(if: FileManager.default.isExecutableFile(atPath: executable.path), "skipped: CustomHost is not built beside the tests"))
    func csvDirectory() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("custom-host-csv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let users = directory.appendingPathComponent("users.csv")
        try "# subject,email,phone_number\nalice,Alice@Example.com,+1 555 0100\n".write(to: users, atomically: true, encoding: .utf8)
        let configuration = try ConsoleCodeFlow.configuration(withCSVDirectory: users, in: directory)
        let log = directory.appendingPathComponent("log")
        let node = try await BackchanneldProcess(
            arguments: ["--config", configuration.path, "--data-dir", directory.appendingPathComponent("data").path], log: log,
            executable: Self.executable, logLevel: "notice")
        defer { node.stop() }
        let tokens = try await ConsoleCodeFlow.run(node, log: log)
        #expect(tokens.status == 200)
        let other = try await HTTPPeer.post(
            "\(node.baseURL)/backchannel/authentication", form: [("scope", "openid"), ("login_hint", "+1 (555) 0100")],
            basic: ("console", "console-secret-0042"))
        #expect(other.json["auth_req_id"] != nil, "\(other.text)")
    }
}
