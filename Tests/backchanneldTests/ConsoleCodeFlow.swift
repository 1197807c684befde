import Foundation
import Testing

/// A flow through the console-code authenticator (the README's example plugin) on a running server: the
/// code from the server's log, typed on its page over HTTP, then the poll.
enum ConsoleCodeFlow {
    /// Runs it as `console` for alice. - Returns: the token response.
    static func run(_ node: BackchanneldProcess, log: URL) async throws -> HTTPPeer.Answer {
        let client = ("console", "console-secret-0042")
        let started = try await HTTPPeer.post(
            "\(node.baseURL)/backchannel/authentication", form: [("scope", "openid"), ("login_hint", "alice")], basic: client)
        let authReqId = try #require(started.json["auth_req_id"]?.stringValue, "\(started.text)")
        // The line is in the log file by the time the watch has read it (it copies before it looks).
        #expect(await node.output.waitFor("one-time code for alice"))
        let text = try String(contentsOf: log, encoding: .utf8)
        let match = try #require(text.firstMatch(of: #/one-time code for alice: (\d+); enter it at (\S+)/#))
        let (code, link) = (String(match.1), String(match.2))
        #expect(link.hasPrefix("\(node.baseURL)/authn/console-code/?"))
        // As a browser: open the link, then post its form back (every hidden field, with the cookie it set) and the code.
        let page = try await HTTPPeer.get(link)
        #expect(page.status == 200)
        let hidden = page.text.matches(of: #/<input type="hidden" name="(\w+)" value="([^"]*)">/#).map { (String($0.1), String($0.2)) }
        let cookie = page.header("Set-Cookie")?.split(separator: ";").first.map(String.init)
        let approved = try await HTTPPeer.post("\(node.baseURL)/authn/console-code/", form: hidden + [("code", code)], cookie: cookie)
        #expect(approved.status == 200, "\(approved.text)")
        return try await HTTPPeer.post(
            "\(node.baseURL)/token", form: [("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", authReqId)], basic: client)
    }

    /// `Examples/CustomHost/backchannel.yaml`: console-code, alice, the console client, a memory store.
    static var configuration: URL {
        repository.appendingPathComponent("Examples/CustomHost/backchannel.yaml")
    }

    /// The repository's root.
    static var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The example configuration with its `users:` replaced by the `csv` directory of `users` (a CSV file): a
    /// copy in `directory`.
    static func configuration(withCSVDirectory users: URL, in directory: URL) throws -> URL {
        let example = try String(contentsOf: configuration, encoding: .utf8)
        let copy = directory.appendingPathComponent("backchannel-csv.yaml")
        let replaced = example.replacingOccurrences(
            of: "users:\n  - subject: alice\n    login_hints: [alice@example.com]\n",
            with: "directory: { plugin: csv, configuration: { file: \"\(users.path)\" } }\n")
        #expect(replaced != example, "the example's users: changed; this helper must follow")
        try replaced.write(to: copy, atomically: true, encoding: .utf8)
        return copy
    }
}
