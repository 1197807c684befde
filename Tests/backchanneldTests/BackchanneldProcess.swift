import AsyncHTTPClient
import BackchannelCore
import BackchannelServer
import BackchannelTesting
import Foundation
import NIOCore

/// A real `backchanneld` process, started from the binary `swift test` built next to the tests.
final class BackchanneldProcess: @unchecked Sendable {
    let port: Int
    let baseURL: String
    /// The operations listener (`/metrics`, `/healthz`, `/readyz`), on a free port of its own.
    let operationsURL: String
    /// Its output as it comes (also copied into the log file), for a test that waits for a line.
    let output: OutputWatch
    private let process: Process

    /// The built executable: beside the test bundle in the build directory.
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("backchanneld")
    }

    static var isBuilt: Bool { FileManager.default.isExecutableFile(atPath: executable.path) }

    /// The key-encryption key every process of this test run seals its generated signing key under.
    static let keyEncryptionKey = Data((0..<32).map { UInt8(($0 * 37 + 11) % 256) }).base64EncodedString()

    /// Another executable built beside the tests, such as an example host.
    static func builtExecutable(_ name: String) -> URL {
        executable.deletingLastPathComponent().appendingPathComponent(name)
    }

    /// Starts a process and waits until it serves: until it says so on its output ("Backchannel is running",
    /// printed once the listener is up), or fails if it exits first.
    /// - Parameters:
    ///   - https: For a server configured with `server.tls` (`baseURL` is `https`).
    init(
        arguments: [String], log: URL, executable: URL = BackchanneldProcess.executable, logLevel: String = "warning", environment: [String: String] = [:],
        https: AsyncHTTPClient.HTTPClient? = nil
    ) async throws {
        port = try LoopbackPort.free()
        baseURL = "\(https == nil ? "http" : "https")://127.0.0.1:\(port)"
        let operationsPort = try LoopbackPort.free()
        operationsURL = "http://127.0.0.1:\(operationsPort)"
        process = Process()
        process.executableURL = executable
        // Nodes of a test share one key-encryption key, as a deployment's nodes do (PostgreSQL requires one).
        process.environment = ProcessInfo.processInfo.environment.merging(["BACKCHANNEL_KEY_ENCRYPTION_KEY": Self.keyEncryptionKey]) { _, test in test }
            .merging(environment) { _, added in added }
        process.arguments = arguments + ["--port", "\(port)", "--operations-port", "\(operationsPort)", "--log-level", logLevel]
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let file = try FileHandle(forWritingTo: log)
        file.seekToEndOfFile()
        output = OutputWatch(copyingTo: file)
        process.standardOutput = output.pipe
        process.standardError = output.pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // The pipe's write end belongs to the child now: its end of file is the child's exit.
        try? output.pipe.fileHandleForWriting.close()
        if await output.waitFor("Backchannel is running") { return }
        kill(process.processIdentifier, SIGKILL)
        throw ProcessFailure(log: (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }

    struct ProcessFailure: Error, CustomStringConvertible {
        var log: String
        var description: String { "backchanneld did not start:\n\(log)" }
    }

    /// Whether the process is still alive.
    var isRunning: Bool { process.isRunning }

    /// Waits until the audit trail records the request's conclusion (the server must log at `info`): the
    /// event a test waits for before it polls for a scripted answer, instead of sleeping past its instant.
    func waitUntilConcluded(_ authReqId: String) async -> Bool {
        let label = "\(AuthReqId(rawValue: BackchannelEngine.authReqIdHash(authReqId)))"
        return await output.waitForLine(containing: ["request.concluded", label])
    }

    /// Sends `signal` (SIGHUP to reload) and returns at once.
    func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// `kill -9`: no shutdown, no flushing beyond what was committed.
    func crash() {
        kill(process.processIdentifier, SIGKILL)
        _ = ProcessExit.wait(for: process, timeout: .seconds(30))
    }

    /// SIGTERM, then the exit status once the process has shut down (waited for on a thread of its own).
    func terminate() async -> Int32 {
        kill(process.processIdentifier, SIGTERM)
        let process = self.process
        return await withCheckedContinuation { continuation in
            Thread {
                continuation.resume(returning: ProcessExit.wait(for: process) ?? -1)
            }.start()
        }
    }

    /// SIGTERM, and SIGKILL if it has not exited within 10 s. Bounded, because it blocks the calling
    /// thread (it runs in `defer`): a shutdown waiting on something this test process serves (a
    /// notification endpoint) must not hold up the whole run.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        if ProcessExit.wait(for: process, timeout: .seconds(10)) == nil {
            kill(process.processIdentifier, SIGKILL)
            _ = ProcessExit.wait(for: process, timeout: .seconds(10))
        }
    }
}

/// Plain HTTP for talking to processes, with async-http-client.
enum HTTPPeer {
    struct Answer: Sendable {
        var status: Int
        var headers: [(String, String)]
        var text: String
        var json: [String: JSONValue] { (try? JSONDecoder().decode([String: JSONValue].self, from: Data(text.utf8))) ?? [:] }
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    }

    static func get(_ url: String, cookie: String? = nil, headers: [(String, String)] = [], client: AsyncHTTPClient.HTTPClient = .shared) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        if let cookie { request.headers.add(name: "Cookie", value: cookie) }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        return try await send(request, client: client)
    }

    static func post(
        _ url: String, form: [(String, String)], basic: (String, String)? = nil, cookie: String? = nil, headers: [(String, String)] = [],
        client: AsyncHTTPClient.HTTPClient = .shared
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        if let basic { request.headers.add(name: "Authorization", value: "Basic " + Data("\(basic.0):\(basic.1)".utf8).base64EncodedString()) }
        if let cookie { request.headers.add(name: "Cookie", value: cookie) }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let body = form.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body))
        return try await send(request, client: client)
    }

    private static func send(_ request: HTTPClientRequest, client: AsyncHTTPClient.HTTPClient) async throws -> Answer {
        // Generous: the whole suite on 2 cores, with a database down on purpose, can take a while to answer.
        let response = try await client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, text: String(buffer: body))
    }
}

/// The demo client's side of a flow against a process.
struct DemoFlow {
    static let client = ("demo-client", "demo-secret")

    /// Writes `backchannel.yaml` into `directory`: `preamble` (server and store lines; the embedded SQLite
    /// store without one), `policy`, the demo client, and mock-push users scripted by `users` (subject and
    /// action, such as `silent` or `approve`), each also in the user directory.
    static func configuration(in directory: URL, preamble: String = "", policy: String, users: [(String, String)]) throws -> URL {
        let file = directory.appendingPathComponent("backchannel.yaml")
        let scripts = users.map { "\($0.0): { action: \($0.1) }" }.joined(separator: ", ")
        try (preamble + """
            policy: { \(policy) }
            clients:
              - { client_id: demo-client, client_secret: demo-secret }
            authenticators:
              - { plugin: mock-push, configuration: { users: { \(scripts) } } }
            users:

            """ + users.map { "  - { subject: \($0.0) }\n" }.joined()).write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    static func start(_ node: BackchanneldProcess, _ user: String) async throws -> String {
        let answer = try await HTTPPeer.post(
            "\(node.baseURL)/backchannel/authentication", form: [("scope", "openid"), ("login_hint", user), ("binding_message", "K9")], basic: client)
        guard let id = answer.json["auth_req_id"]?.stringValue else { throw FlowFailure(answer: answer.text) }
        return id
    }

    static func poll(_ node: BackchanneldProcess, _ id: String) async throws -> HTTPPeer.Answer {
        try await HTTPPeer.post(
            "\(node.baseURL)/token", form: [("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", id)], basic: client)
    }

    /// Approves the user's one pending notification on a node's simulated-phone page, as a person would.
    static func approveOnPage(_ node: BackchanneldProcess, user: String) async throws {
        let page = try await HTTPPeer.get("\(node.baseURL)/authn/mock-push/?user=\(user)")
        guard let setCookie = page.header("Set-Cookie"), let cookie = setCookie.split(separator: ";").first.map(String.init),
            let match = page.text.firstMatch(of: #/name="id" value="([^"]+)"/#)
        else { throw FlowFailure(answer: page.text) }
        let csrf = String(cookie.split(separator: "=")[1])
        let answer = try await HTTPPeer.post(
            "\(node.baseURL)/authn/mock-push/respond", form: [("csrf", csrf), ("id", String(match.1)), ("user", user), ("decision", "approve")],
            cookie: cookie)
        // The shared client follows the page's 303 back to the device page, which then confirms.
        guard answer.status == 200, answer.text.contains("Approved.") else { throw FlowFailure(answer: "HTTP \(answer.status): \(answer.text)") }
    }

    struct FlowFailure: Error { var answer: String }
}
