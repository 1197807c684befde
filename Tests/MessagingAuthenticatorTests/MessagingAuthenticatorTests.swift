import AsyncHTTPClient
import BackchannelCore
import BackchannelHTTP
import BackchannelServer
import BackchannelTesting
import Crypto
import Foundation
import Hummingbird
import MessagingAuthenticator
import Synchronization
import Testing

/// The DocC tutorial's messaging-app authenticator, end to end over HTTP: a client starts a request, the
/// plugin sends the message through the host's HTTP client to a stand-in provider, and the provider's
/// signed webhook carries the user's reply back.
@Suite("messaging-app authenticator: a provider's signed reply concludes the request")
struct MessagingAuthenticatorTests {
    static let secret = Array("a-webhook-secret-of-32-bytes-042".utf8)
    static let client = "Basic " + Data("console:console-secret-0042".utf8).base64EncodedString()

    /// What the stand-in provider was asked to send.
    final class Provider: Sendable {
        let sent = Mutex<[[String: String]]>([])
        let events = EventCounter<String>()

        var router: Router<BasicRequestContext> {
            let router = Router()
            router.post("/messages") { request, _ -> Response in
                let body = try await request.body.collect(upTo: 4096)
                let message = try JSONDecoder().decode([String: String].self, from: Data(buffer: body))
                self.sent.withLock { $0.append(message) }
                self.events.record("sent")
                return Response(status: .accepted)
            }
            return router
        }
    }

    /// Runs `body` with the server (engine and router on a loopback port) and the provider listening.
    private func withServer(_ body: (_ server: String, _ provider: Provider) async throws -> Void) async throws {
        let provider = Provider()
        let providerPort = try LoopbackPort.free()
        let secretFile = FileManager.default.temporaryDirectory.appendingPathComponent("webhook-secret-\(UUID().uuidString)")
        try Data(Self.secret).write(to: secretFile)
        defer { try? FileManager.default.removeItem(at: secretFile) }

        let store = InMemoryPendingRequestStore()
        let harness = BackchannelHandlerHarness(users: [DirectoryUser(subject: "alice", phoneNumber: "+15550101")])
        var services = harness.services
        services.clock = SystemClock()
        services.completionSink = StoreCompletionSink(store: store)
        services.stateStore = InMemoryPluginStateStore(clock: SystemClock())
        var registry = PluginRegistry()
        try registry.register(MessagingAuthenticator.descriptor)
        try registry.register(MessagingAuthenticator.webhookDescriptor)
        let instance = try registry.makeAuthenticator(
            plugin: "messaging",
            configuration: .object(["api_url": .string("http://127.0.0.1:\(providerPort)/messages"), "webhook_secret_file": .string(secretFile.path)]),
            services: services)
        var policy = ServerPolicy()
        policy.enforcePollInterval = false
        let engine = try BackchannelEngine(
            EngineConfiguration(
                issuer: "https://login.example.com", policy: policy, clients: [ClientConfiguration(clientId: "console", clientSecret: "console-secret-0042")],
                authenticators: [AuthenticatorRoute(instance: instance)], keys: try await SigningKeySet.load([], keyStore: nil)),
            stores: EngineStores(requests: store, limits: InMemoryLimitStore(), replay: InMemoryPluginStateStore(clock: SystemClock())))
        let serverPort = try LoopbackPort.free()
        try await LoopbackHTTPServer.serve(provider.router, port: providerPort, label: "provider-stand-in") {
            try await LoopbackHTTPServer.serve(BackchannelRouter.make(engine: engine), port: serverPort, label: "server") {
                try await body("http://127.0.0.1:\(serverPort)", provider)
            }
        }
        await harness.shutdown()
    }

    private static func post(_ url: String, body: String, headers: [(String, String)]) async throws -> (status: Int, text: String) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 16)))
    }

    private static func form(_ pairs: [(String, String)]) -> String {
        pairs.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }.joined(separator: "&")
    }

    private static func start(_ server: String) async throws -> String {
        let answer = try await post(
            "\(server)/backchannel/authentication", body: form([("scope", "openid"), ("login_hint", "alice"), ("binding_message", "K7")]),
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Authorization", client)])
        return String(try #require(answer.text.firstMatch(of: #/"auth_req_id":"([^"]+)"/#)).1)
    }

    private static func poll(_ server: String, _ authReqId: String) async throws -> (status: Int, text: String) {
        try await post(
            "\(server)/token", body: form([("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", authReqId)]),
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Authorization", client)])
    }

    /// The provider's webhook call carrying a reply, signed with `key`.
    private static func reply(_ server: String, _ text: String, signedWith key: [UInt8] = secret) async throws -> (status: Int, text: String) {
        let body = #"{"from":"+15550101","text":"\#(text)"}"#
        let signature = "sha256=" + Hex.encode(HMAC<SHA256>.authenticationCode(for: Array(body.utf8), using: SymmetricKey(data: key)))
        return try await post(
            "\(server)/authn/messaging/api/inbound", body: body, headers: [("Content-Type", "application/json"), ("X-Signature", signature)])
    }

    /// The reply code in the message the provider was asked to send.
    private static func code(_ provider: Provider) async throws -> String {
        await provider.events.wait(for: "sent", count: 1)
        let text = try #require(provider.sent.withLock { $0.first?["text"] })
        #expect(text.contains("Check it shows: K7."))
        return String(try #require(text.firstMatch(of: #/Reply YES (\d{4})/#)).1)
    }

    @Test("the user's YES, delivered by the provider's signed webhook, approves: the client collects tokens")
    func signedReplyApproves() async throws {
        try await withServer { server, provider in
            let authReqId = try await Self.start(server)
            let code = try await Self.code(provider)
            #expect(provider.sent.withLock { $0.first?["to"] } == "+15550101")
            #expect(try await Self.poll(server, authReqId).text.contains("authorization_pending"))
            let taken = try await Self.reply(server, "yes \(code)")
            #expect(taken.status == 200 && taken.text.contains("true"), "\(taken.text)")
            let tokens = try await Self.poll(server, authReqId)
            #expect(tokens.status == 200 && tokens.text.contains("id_token"), "\(tokens.text)")
            // The same reply again finds nothing pending.
            #expect(try await Self.reply(server, "YES \(code)").text.contains("false"))
        }
    }

    @Test("a reply signed with another secret, or not signed, is refused and concludes nothing")
    func forgedReplyRefused() async throws {
        try await withServer { server, provider in
            let authReqId = try await Self.start(server)
            let code = try await Self.code(provider)
            let forged = try await Self.reply(server, "YES \(code)", signedWith: Array("another-secret-of-32-bytes-00042".utf8))
            #expect(forged.status == 401 && forged.text.contains("invalid_signature"))
            let unsigned = try await Self.post(
                "\(server)/authn/messaging/api/inbound", body: #"{"from":"+15550101","text":"YES \#(code)"}"#, headers: [("Content-Type", "application/json")])
            #expect(unsigned.status == 401)
            #expect(try await Self.poll(server, authReqId).text.contains("authorization_pending"))
        }
    }

    @Test("the user's NO refuses: the client is told access_denied")
    func replyRefuses() async throws {
        try await withServer { server, provider in
            let authReqId = try await Self.start(server)
            let code = try await Self.code(provider)
            #expect(try await Self.reply(server, "NO \(code)").status == 200)
            let answer = try await Self.poll(server, authReqId)
            #expect(answer.status == 400 && answer.text.contains("access_denied"), "\(answer.text)")
        }
    }
}

@Suite("the messaging tutorial shows the compiled code")
struct MessagingTutorialCodeTests {
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    @Test("the last step is the example's source and the test step this file; each earlier step begins as the next does")
    func stepsAreTheExample() throws {
        let resources = "Sources/BackchannelCore/BackchannelCore.docc/Resources/"
        let example = try Self.text("Examples/MessagingAuthenticator/MessagingAuthenticator.swift")
        #expect(try Self.text(resources + "messaging-03.swift") == example)
        let tests = try Self.text("Tests/MessagingAuthenticatorTests/MessagingAuthenticatorTests.swift")
        #expect(tests.hasPrefix(try Self.text(resources + "messaging-tests.swift")))
        // Each step adds to the one before: its text up to the class's first call is the next step's.
        let first = try Self.text(resources + "messaging-01.swift")
        let second = try Self.text(resources + "messaging-02.swift")
        let marker = "    public func startAuthentication"
        #expect(second.hasPrefix(first.dropLast(2)) && example.contains(marker))
    }
}
