import BackchannelCore
import BackchannelTesting
import Foundation
import Hummingbird
import Logging
import Synchronization

/// A client's notification endpoint on a loopback port: records every notification, answering each
/// with the next scripted status (then 204).
final class NotificationReceiver: Sendable {
    struct Received: Sendable {
        var json: [String: JSONValue]
        var authorization: String?
    }

    let port: Int
    private let statuses: Mutex<[Int]>
    private let log = Mutex<[Received]>([])
    private let attempts = Mutex(0)
    private let redirected = Mutex(0)
    /// Notifications answered 2xx, counted for tests to wait on.
    private let accepted = EventCounter<String>()

    var url: String { "http://127.0.0.1:\(port)/cb" }
    /// Notifications answered 2xx.
    var received: [Received] { log.withLock { $0 } }
    var attemptCount: Int { attempts.withLock { $0 } }
    /// Requests that followed a redirect this receiver answered.
    var redirectedCount: Int { redirected.withLock { $0 } }

    init(port: Int, statuses: [Int] = []) {
        self.port = port
        self.statuses = Mutex(statuses)
    }

    /// Runs `body` with the receiver listening on its port; then stops `senders` (waiting for their exit) before
    /// the receiver stops, so no delivery can arrive while it shuts down (NIO asserts on a connection accepted
    /// mid-shutdown), and whatever a test reads of the receiver afterwards is final.
    func serve<T>(stopping senders: [BackchanneldProcess] = [], _ body: () async throws -> T) async throws -> T {
        let router = Router()
        router.post("/cb") { request, _ -> Response in
            let data = Data(buffer: try await request.body.collect(upTo: 1 << 16))
            let status = self.statuses.withLock { $0.isEmpty ? 204 : $0.removeFirst() }
            self.attempts.withLock { $0 += 1 }
            if (200..<300).contains(status) {
                let json = (try? JSONDecoder().decode([String: JSONValue].self, from: data)) ?? [:]
                self.log.withLock { $0.append(Received(json: json, authorization: request.headers[.authorization])) }
                self.accepted.record("notification")
            }
            // A redirect points at another path of this receiver, which counts whoever follows it.
            return Response(status: .init(code: status), headers: (300..<400).contains(status) ? [.location: "/elsewhere"] : [:])
        }
        router.post("/elsewhere") { _, _ -> Response in
            self.redirected.withLock { $0 += 1 }
            return Response(status: .noContent)
        }
        return try await LoopbackHTTPServer.serve(router, port: port, label: "receiver") {
            let result = try await body()
            for sender in senders { _ = await sender.terminate() }
            return result
        }
    }

    /// Waits until `count` notifications were received (answered 2xx).
    func waitFor(_ count: Int) async {
        await accepted.wait(for: "notification", count: count)
    }
}
