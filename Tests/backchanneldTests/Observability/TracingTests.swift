import BackchannelCore
import BackchannelServer
import BackchannelTesting
import Foundation
import Hummingbird
import Synchronization
import Testing

/// Distributed traces of a real process, exported over OTLP/HTTP to a stand-in collector the test serves:
/// one flow (a client's request carrying a W3C `traceparent`, an SMS through a gateway, the user's code, a
/// ping to the client's endpoint, the token) is one tree of spans.
@Suite("distributed tracing", .serialized, .timeLimit(.minutes(2)),
    .enabled(if: BackchanneldProcess.isBuilt, "skipped: the backchanneld binary is not built beside the tests"))
struct TracingTests {
    static let secret = "rp-secret-000000001"
    static let callerTrace = "0af7651916cd43dd8448eb211c80319c"
    static let callerSpan = "b7ad6b7169203331"

    /// What the stand-ins received: spans, SMS texts, the trace headers of the gateway's and the client's requests.
    final class Received: Sendable {
        let events = EventCounter<String>()
        private let state = Mutex((spans: [OTLPSpan](), texts: [String](), traceparents: [String: String]()))

        var spans: [OTLPSpan] { state.withLock { $0.spans } }
        var texts: [String] { state.withLock { $0.texts } }
        func traceparent(_ path: String) -> String? { state.withLock { $0.traceparents[path] } }

        func spans(_ new: [OTLPSpan]) {
            state.withLock { $0.spans += new }
            for span in new { events.record("span " + span.name) }
        }

        func request(_ path: String, traceparent: String?, text: String? = nil) {
            state.withLock { state in
                state.traceparents[path] = traceparent
                if let text { state.texts.append(text) }
            }
            events.record(path)
        }
    }

    private func standIns(_ received: Received) -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/v1/traces") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 22)
            received.spans(try OTLPSpan.decode(Array(buffer: body)))
            return Response(status: .ok)
        }
        router.post("/messages") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 16)
            let message = try JSONDecoder().decode([String: String].self, from: Data(buffer: body))
            received.request("/messages", traceparent: request.headers[.init("traceparent")!], text: message["text"])
            return Response(status: .created)
        }
        router.post("/ping") { request, _ in
            received.request("/ping", traceparent: request.headers[.init("traceparent")!])
            return Response(status: .noContent)
        }
        return router
    }

    /// Runs `body` with a temporary directory and the stand-ins (collector, SMS gateway, ping endpoint) serving
    /// on a loopback port, then removes the directory.
    private func withStandIns(_ name: String, _ body: (URL, Received, Int) async throws -> Void) async throws {
        let directory = try ChildProcess.temporaryDirectory(name)
        defer { try? FileManager.default.removeItem(at: directory) }
        let received = Received()
        let port = try LoopbackPort.free()
        try await LoopbackHTTPServer.serve(standIns(received), port: port) { try await body(directory, received, port) }
    }

    private func node(_ directory: URL, standIns port: Int, sampling: String = "1.0") async throws -> BackchanneldProcess {
        let file = directory.appendingPathComponent("backchannel.yaml")
        try """
            policy: { allow_insecure_loopback_notifications: true, min_client_secret_length: 8 }
            observability:
              tracing: { endpoint: "http://127.0.0.1:\(port)/v1/traces", sampling: \(sampling) }
            clients:
              - { client_id: rp, client_secret: \(Self.secret), backchannel_token_delivery_mode: ping,
                  backchannel_client_notification_endpoint: "http://127.0.0.1:\(port)/ping" }
            authenticators:
              - { plugin: sms, name: text, configuration: { provider: webhook, url: "http://127.0.0.1:\(port)/messages", from: Backchannel } }
            users:
              - { subject: carol, phone_number: "+15550101" }
            """.write(to: file, atomically: true, encoding: .utf8)
        return try await BackchanneldProcess(
            arguments: ["--config", file.path, "--data-dir", directory.appendingPathComponent("data").path, "--log-format", "json"],
            log: directory.appendingPathComponent("log"), logLevel: "info")
    }

    /// Runs a whole ping flow with an SMS against a node: returns the `auth_req_id` and the SMS code.
    private func flow(_ server: BackchanneldProcess, _ received: Received) async throws -> (authReqId: String, code: String) {
        let started = try await HTTPPeer.post(
            "\(server.baseURL)/backchannel/authentication",
            form: [("scope", "openid"), ("login_hint", "carol"), ("client_notification_token", "notify-me-0123456789")],
            basic: ("rp", Self.secret), headers: [("traceparent", "00-\(Self.callerTrace)-\(Self.callerSpan)-01")])
        let authReqId = try #require(started.json["auth_req_id"]?.stringValue, "\(started.text)")
        await received.events.wait(for: "/messages")
        let text = try #require(received.texts.first)
        let code = String(try #require(text.firstMatch(of: #/Your code: (\d+)\./#)).1)
        let request = String(try #require(text.firstMatch(of: #/request=([A-Za-z0-9_-]+)/#)).1)
        let page = try await HTTPPeer.get("\(server.baseURL)/authn/text/?request=\(request)")
        let cookie = try #require(page.header("Set-Cookie")?.split(separator: ";").first.map(String.init))
        let csrf = String(try #require(cookie.split(separator: "=").last))
        let answer = try await HTTPPeer.post(
            "\(server.baseURL)/authn/text/", form: [("request", request), ("code", code), ("csrf", csrf)], cookie: cookie)
        #expect(answer.status == 200, "\(answer.text)")
        await received.events.wait(for: "/ping")
        let tokens = try await HTTPPeer.post(
            "\(server.baseURL)/token", form: [("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", authReqId)],
            basic: ("rp", Self.secret))
        #expect(tokens.status == 200, "\(tokens.text)")
        return (authReqId, code)
    }

    @Test("a ping flow with an SMS is one trace under the caller's traceparent: engine, authenticator, store, gateway and ping in their places")
    func flowIsOneTree() async throws {
        try await withStandIns("tracing") { directory, received, port in
            let server = try await node(directory, standIns: port)
            defer { server.stop() }
            let (authReqId, code) = try await flow(server, received)
            // Exported in batches: wait for the last spans of the flow to arrive.
            for name in ["span ciba notify", "span POST /token", "span store conclude"] { await received.events.wait(for: name) }

            let trace = received.spans.filter { $0.traceId == Self.callerTrace }
            let byId = Dictionary(trace.map { ($0.spanId, $0) }, uniquingKeysWith: { first, _ in first })
            func one(_ name: String, _ where: (OTLPSpan) -> Bool = { _ in true }) throws -> OTLPSpan {
                try #require(trace.first { $0.name == name && `where`($0) }, "no span \(name) in \(trace.map(\.name))")
            }
            func ancestors(_ span: OTLPSpan) -> [String] {
                var names: [String] = []
                var parent = byId[span.parentSpanId]
                while let next = parent {
                    names.append(next.name)
                    parent = byId[next.parentSpanId]
                }
                return names
            }
            // The client's request: the server span is the caller's child.
            let request = try one("POST /backchannel/authentication")
            #expect(request.parentSpanId == Self.callerSpan)
            #expect(request.kind == 2)
            #expect(request.attributes["http.response.status_code"] == "200")
            let engine = try one("ciba backchannel_authentication")
            #expect(engine.parentSpanId == request.spanId)
            #expect(engine.attributes["oauth.client_id"] == "rp")
            #expect(engine.attributes["backchannel.outcome"] == "success")
            // The request's label, as its audit events show it (the start of its hash).
            let label = try #require(engine.attributes["backchannel.auth_req_id_sha256"])
            #expect(label.count < 16 && BackchannelEngine.authReqIdHash(authReqId).hasPrefix(label.replacingOccurrences(of: "…", with: "")))
            let start = try one("authenticator start")
            #expect(start.parentSpanId == engine.spanId)
            #expect(start.attributes["backchannel.authenticator"] == "text")
            let insert = try one("store insert")
            #expect(insert.parentSpanId == engine.spanId)
            #expect(insert.attributes["db.system.name"] == "sqlite")
            // The SMS, sent in the background after the answer, is still the authenticator call's child, and
            // the gateway got the trace.
            let sms = try one("HTTP POST") { $0.attributes["backchannel.peer"] == "authenticator" }
            #expect(sms.parentSpanId == start.spanId)
            #expect(sms.attributes["server.address"] == "127.0.0.1")
            #expect(received.traceparent("/messages") == "00-\(Self.callerTrace)-\(sms.spanId)-01")
            // The ping, delivered by the outbox's service, joins the request's trace, and the client got it.
            let notify = try one("ciba notify")
            #expect(notify.parentSpanId == engine.spanId)
            let ping = try one("HTTP POST") { $0.attributes["backchannel.peer"] == "client_notification" }
            #expect(ping.parentSpanId == notify.spanId)
            #expect(ping.attributes["http.response.status_code"] == "204")
            #expect(received.traceparent("/ping") == "00-\(Self.callerTrace)-\(ping.spanId)-01")
            #expect(ancestors(ping) == ["ciba notify", "ciba backchannel_authentication", "POST /backchannel/authentication"])

            // The user's code and the client's token request are traces of their own, with their store operations.
            // (Named by the route's pattern, not the path as sent.)
            let page = try #require(received.spans.first { $0.name == "POST /authn/{authenticator}" }, "\(received.spans.map(\.name))")
            #expect(page.parentSpanId.isEmpty)
            #expect(received.spans.contains { $0.traceId == page.traceId && $0.name == "store conclude" })
            let token = try #require(received.spans.first { $0.name == "ciba token" })
            #expect(token.attributes["backchannel.auth_req_id_sha256"] == label)
            #expect(received.spans.contains { $0.parentSpanId == token.spanId && $0.name == "store redeem" })

            // No span says who the user is, what the secrets are, or which request in a form a client could use.
            for span in received.spans {
                for (key, value) in span.attributes {
                    for secret in ["carol", "+15550101", authReqId, code, Self.secret, "notify-me-0123456789"] {
                        #expect(!value.contains(secret), "\(span.name): \(key) = \(value)")
                    }
                }
            }
            // Background loops (claiming notifications, sweeping expiry) start no traces of their own.
            #expect(!received.spans.contains { $0.parentSpanId.isEmpty && $0.name.hasPrefix("store ") })

            // The log lines and audit events of the request carry its trace.
            #expect(await server.output.waitForLine(containing: ["\"event\":\"request.started\"", "\"trace_id\":\"\(Self.callerTrace)\""]))
            print(SpanTree.render(received.spans, trace: Self.callerTrace))
        }
    }
}

extension TracingTests {
    @Test("an e-mail authenticator's SMTP call is a span of the request's trace, under its authenticator's call, its failure marked")
    func smtpCallTraced() async throws {
        // A relay that refuses connections: the delivery fails at once (no retry window), and says so.
        let closedPort = try LoopbackPort.free()
        try await withStandIns("tracing-smtp") { directory, received, port in
            let file = directory.appendingPathComponent("backchannel.yaml")
            try """
                policy: { min_client_secret_length: 8 }
                observability:
                  tracing: { endpoint: "http://127.0.0.1:\(port)/v1/traces" }
                clients:
                  - { client_id: rp, client_secret: \(Self.secret) }
                authenticators:
                  - { plugin: email, configuration: { smtp: { host: 127.0.0.1, port: \(closedPort), security: none }, from: login@example.com,
                      retry_window_seconds: 0 } }
                users:
                  - { subject: carol, email: carol@example.com }
                """.write(to: file, atomically: true, encoding: .utf8)
            let server = try await BackchanneldProcess(
                arguments: ["--config", file.path, "--data-dir", directory.appendingPathComponent("data").path], log: directory.appendingPathComponent("log"))
            defer { server.stop() }
            let started = try await HTTPPeer.post(
                "\(server.baseURL)/backchannel/authentication", form: [("scope", "openid"), ("login_hint", "carol")], basic: ("rp", Self.secret),
                headers: [("traceparent", "00-\(Self.callerTrace)-\(Self.callerSpan)-01")])
            #expect(started.status == 200, "\(started.text)")
            await received.events.wait(for: "span SMTP")
            await received.events.wait(for: "span authenticator start")
            let trace = received.spans.filter { $0.traceId == Self.callerTrace }
            let smtp = try #require(trace.first { $0.name == "SMTP" })
            let start = try #require(trace.first { $0.name == "authenticator start" })
            #expect(smtp.parentSpanId == start.spanId)
            #expect(smtp.kind == 3 && smtp.attributes["backchannel.peer"] == "smtp_relay")
            #expect(smtp.statusCode == 2)
            #expect(!smtp.attributes.values.contains { $0.contains("carol") })
        }
    }
}

extension TracingTests {
    @Test("with sampling 0, a request makes no span unless its traceparent asks for its trace; one whose traceparent declines makes none")
    func samplingDecidedAtTheRequest() async throws {
        try await withStandIns("tracing-sampling") { directory, received, port in
            let server = try await node(directory, standIns: port, sampling: "0")
            defer { server.stop() }
            let declined = "1bf7651916cd43dd8448eb211c80319c"
            for traceparent in [nil, "00-\(declined)-b7ad6b7169203331-00", "00-\(Self.callerTrace)-\(Self.callerSpan)-01"] {
                let answer = try await HTTPPeer.post(
                    "\(server.baseURL)/backchannel/authentication",
                    form: [("scope", "openid"), ("login_hint", "carol"), ("client_notification_token", "notify-me-0123456789")],
                    basic: ("rp", Self.secret), headers: traceparent.map { [("traceparent", $0)] } ?? [])
                #expect(answer.status == 200, "\(answer.text)")
            }
            // Spans leave in the order they ended: once the traced request's have come, the others' would have too.
            await received.events.wait(for: "span POST /backchannel/authentication")
            await received.events.wait(for: "/messages", count: 3)
            #expect(received.spans.allSatisfy { $0.traceId == Self.callerTrace }, "\(received.spans.map(\.traceId))")
        }
    }
}

/// A trace's spans as an indented tree, children in the order they were exported.
enum SpanTree {
    static func render(_ spans: [OTLPSpan], trace: String) -> String {
        let inTrace = spans.filter { $0.traceId == trace }
        let ids = Set(inTrace.map(\.spanId))
        var lines = ["trace \(trace)"]
        func walk(_ span: OTLPSpan, depth: Int) {
            let attributes = span.attributes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            lines.append(String(repeating: "  ", count: depth + 1) + "\(span.name)  [\(attributes)]")
            for child in inTrace where child.parentSpanId == span.spanId { walk(child, depth: depth + 1) }
        }
        for root in inTrace where !ids.contains(root.parentSpanId) { walk(root, depth: 0) }
        return lines.joined(separator: "\n")
    }
}
