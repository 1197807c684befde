import BackchannelCore
import BackchannelServer
import BackchannelTesting
import Foundation
import Hummingbird
import Logging
import Synchronization

@testable import backchanneld

/// `backchanneld` on its embedded defaults, on a virtual clock shared with the client under test,
/// listening on a free loopback port whose URL is the issuer.
struct LiveProvider {
    let clock: VirtualClock
    let issuer: String
    let engine: BackchannelEngine

    static func run(_ body: @Sendable (LiveProvider) async throws -> Void) async throws {
        let port = try LoopbackPort.free()
        var configuration = EmbeddedDefaults.configuration
        configuration.server.port = port
        let clock = VirtualClock()
        let assembly = try await ServerAssembly.assemble(configuration, dataDirectory: nil, clock: clock, logger: Logger(label: "test"))
        let (ready, readyContinuation) = AsyncStream.makeStream(of: Void.self)
        let app = Application(
            router: assembly.router,
            configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { _ in readyContinuation.yield() },
            logger: Logger(label: "test-server")
        )
        let server = Task { try await app.run() }
        defer { server.cancel() }
        for await _ in ready { break }
        try await body(LiveProvider(clock: clock, issuer: assembly.engine.issuer, engine: assembly.engine))
        server.cancel()
        _ = try? await server.value
    }

    /// Advances the shared clock a second at a time until `done`. Before each step it waits (in real
    /// time, briefly) for someone to sleep on the clock, so time never moves while a request is in flight.
    func drive(until done: @Sendable () -> Bool, limit: Int = 600) async {
        for _ in 0..<limit where !done() {
            for _ in 0..<400 where clock.sleeperCount == 0 && !done() {
                try? await Task.sleep(for: .milliseconds(5))
            }
            await clock.advance(by: 1)
        }
    }
}

/// A value a task sets once and a test reads.
final class Box<Value: Sendable>: Sendable {
    private let value = Mutex<Value?>(nil)
    func set(_ newValue: Value) { value.withLock { $0 = newValue } }
    var get: Value? { value.withLock { $0 } }
}
