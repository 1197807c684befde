import BackchannelCore
import BackchannelTesting
import Foundation
import Hummingbird
import Logging
import Synchronization

/// A real HTTP SMS gateway on a loopback port: records every message, and answers 500 to the first
/// `failures` requests.
final class TestGateway: Sendable {
    struct Message: Sendable {
        var to: String
        var from: String
        var text: String
        var authorization: String?
    }

    let port: Int
    private let messages = Mutex<[Message]>([])
    private let failuresLeft: Mutex<Int>
    private let requests = Mutex(0)
    /// Counts the requests and the messages taken, for tests to wait on.
    private let events = EventCounter<Event>()
    enum Event: Hashable, Sendable { case request, message }
    /// The deliveries that send to this gateway: drained before it stops.
    private let senders = Mutex<[BackgroundWork]>([])

    var received: [Message] { messages.withLock { $0 } }
    var requestCount: Int { requests.withLock { $0 } }
    var baseURL: String { "http://127.0.0.1:\(port)" }

    private init(port: Int, failures: Int) {
        self.port = port
        self.failuresLeft = Mutex(failures)
    }

    /// Runs `body` with a gateway listening.
    static func run(failures: Int = 0, _ body: (TestGateway) async throws -> Void) async throws {
        // A free port can be taken by a parallel test before this server binds it: then try another.
        for _ in 0..<5 {
            if try await run(port: try LoopbackPort.free(), failures: failures, body) { return }
        }
        throw POSIXError(.EADDRINUSE)
    }

    private static func run(port: Int, failures: Int, _ body: (TestGateway) async throws -> Void) async throws -> Bool {
        let gateway = TestGateway(port: port, failures: failures)
        let router = Router()
        router.post("/webhook") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 16)
            let json = try JSONDecoder().decode([String: String].self, from: Data(buffer: body))
            return gateway.record(Message(to: json["to"] ?? "", from: json["from"] ?? "", text: json["text"] ?? "", authorization: request.headers[.authorization]))
        }
        router.post("/2010-04-01/Accounts/:sid/Messages.json") { request, _ -> Response in
            let body = String(buffer: try await request.body.collect(upTo: 1 << 16))
            var form: [String: String] = [:]
            for pair in body.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? "" }
                if parts.count == 2 { form[parts[0]] = parts[1] }
            }
            return gateway.record(Message(to: form["To"] ?? "", from: form["From"] ?? "", text: form["Body"] ?? "", authorization: request.headers[.authorization]))
        }
        do {
            try await LoopbackHTTPServer.serve(router, port: gateway.port, label: "test-gateway") {
                try await body(gateway)
                // Deliveries still on their way land before the server stops: a connection accepted during
                // shutdown trips an assertion in NIO's async channel.
                for work in gateway.senders.withLock({ $0 }) { await work.drain(deadline: .seconds(30)) }
            }
            return true
        } catch is LoopbackHTTPServer.PortInUse {
            return false
        }
    }

    private func record(_ message: Message) -> Response {
        requests.withLock { $0 += 1 }
        let fail = failuresLeft.withLock { left -> Bool in
            guard left > 0 else { return false }
            left -= 1
            return true
        }
        if fail {
            events.record(.request)
            return Response(status: .internalServerError)
        }
        messages.withLock { $0.append(message) }
        events.record(.message)
        events.record(.request)
        return Response(status: .created)
    }

    /// Has the gateway wait, before it stops, for the deliveries `work` runs (an authenticator sending here).
    func sends(from work: BackgroundWork) {
        senders.withLock { $0.append(work) }
    }

    /// Waits until `count` messages have been taken.
    func waitFor(messages count: Int) async {
        await events.wait(for: .message, count: count)
    }

    /// Waits until `count` requests have been answered, taken or failed.
    func waitFor(requests count: Int) async {
        await events.wait(for: .request, count: count)
    }
}
