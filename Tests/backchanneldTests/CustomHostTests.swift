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
        let configuration = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Examples/CustomHost/backchannel.yaml")
        let log = directory.appendingPathComponent("log")
        let node = try await BackchanneldProcess(arguments: ["--config", configuration.path], log: log, executable: Self.executable, logLevel: "notice")
        defer { node.stop() }
        let client = ("console", "console-secret-0042")

        let started = try await HTTPPeer.post(
            "\(node.baseURL)/backchannel/authentication", form: [("scope", "openid"), ("login_hint", "alice")], basic: client)
        let authReqId = try #require(started.json["auth_req_id"]?.stringValue)
        var text = ""
        for _ in 0..<50 where !text.contains("one-time code") {
            try await Task.sleep(for: .milliseconds(50))
            text = try String(contentsOf: log, encoding: .utf8)
        }
        let match = try #require(text.firstMatch(of: #/one-time code for alice: (\d+); enter it at (\S+)/#))
        let (code, link) = (String(match.1), String(match.2))
        #expect(link.hasPrefix("\(node.baseURL)/authn/console-code/?request="))
        let request = String(try #require(link.split(separator: "=").last))

        let page = try await HTTPPeer.get("\(node.baseURL)/authn/console-code/?request=\(request)")
        #expect(page.status == 200)
        let approved = try await HTTPPeer.post("\(node.baseURL)/authn/console-code/", form: [("request", request), ("code", code)])
        #expect(approved.status == 200)
        let tokens = try await HTTPPeer.post(
            "\(node.baseURL)/token", form: [("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", authReqId)], basic: client)
        #expect(tokens.status == 200)
        #expect(tokens.json["id_token"] != nil)
    }
}
