import BackchannelTesting
import Foundation
import Hummingbird
import Logging
import Synchronization

/// An SMS webhook gateway on a loopback port that takes `delay` to accept each message.
final class SlowGateway: Sendable {
    let port: Int
    let delay: Duration
    private let texts = Mutex<[String]>([])
    private let started = Mutex(0)
    private let events = EventCounter<String>()

    var received: [String] { texts.withLock { $0 } }
    var requestsStarted: Int { started.withLock { $0 } }

    /// Waits until a request has reached the gateway.
    func waitForRequest() async { await events.wait(for: "started") }

    private init(port: Int, delay: Duration) {
        self.port = port
        self.delay = delay
    }

    /// Runs `body` with a gateway listening.
    static func run(delay: Duration, _ body: (SlowGateway) async throws -> Void) async throws {
        let gateway = SlowGateway(port: try LoopbackPort.free(), delay: delay)
        let router = Router()
        router.post("/webhook") { request, _ -> Response in
            gateway.started.withLock { $0 += 1 }
            gateway.events.record("started")
            let body = try await request.body.collect(upTo: 1 << 16)
            let json = try JSONDecoder().decode([String: String].self, from: Data(buffer: body))
            // The gateway's latency, which the test is about: not a wait for anything.
            try await Task.sleep(for: gateway.delay)
            gateway.texts.withLock { $0.append(json["text"] ?? "") }
            return Response(status: .created)
        }
        try await LoopbackHTTPServer.serve(router, port: gateway.port, label: "slow-gateway") { try await body(gateway) }
    }
}
