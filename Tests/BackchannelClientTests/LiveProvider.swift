import BackchannelBuiltIns
import BackchannelClient
import BackchannelCore
import BackchannelServer
import BackchannelTesting
import Foundation
import Hummingbird
import Logging
import Synchronization

@testable import BackchannelHost

/// `backchanneld` on its embedded defaults, on a virtual clock shared with the client under test,
/// listening on a free loopback port whose URL is the issuer.
struct LiveProvider {
    let clock: VirtualClock
    let issuer: String
    let engine: BackchannelEngine

    static func run(
        configure: (inout BackchanneldConfiguration) -> Void = { _ in }, _ body: @Sendable (LiveProvider) async throws -> Void
    ) async throws {
        // A free port can be taken by a parallel test before this server binds it: then try another.
        for _ in 0..<5 {
            let port = try LoopbackPort.free()
            var configuration = EmbeddedDefaults.configuration
            configuration.server.port = port
            configure(&configuration)
            let clock = VirtualClock()
            let assembly = try await ServerAssembly.assemble(configuration, components: try .builtIn(), dataDirectory: nil, clock: clock, logger: Logger(label: "test"))
            let (ready, readyContinuation) = AsyncStream.makeStream(of: Bool.self)
            let app = Application(
                router: assembly.router,
                configuration: .init(address: .hostname("127.0.0.1", port: port)),
                onServerRunning: { _ in readyContinuation.yield(true) },
                logger: Logger(label: "test-server")
            )
            let server = Task {
                do { try await app.run() } catch {}
                readyContinuation.yield(false)
            }
            var started = false
            for await running in ready {
                started = running
                break
            }
            guard started else { continue }
            defer { server.cancel() }
            try await body(LiveProvider(clock: clock, issuer: assembly.engine.issuer, engine: assembly.engine))
            server.cancel()
            _ = await server.value
            return
        }
        throw POSIXError(.EADDRINUSE)
    }

    /// Runs `authenticate` (what a client does, from discovery to tokens) while driving the shared clock, and
    /// returns its outcome.
    func outcome(
        of authenticate: @escaping @Sendable () async throws(BackchannelClientError) -> BackchannelTokens
    ) async -> Result<BackchannelTokens, BackchannelClientError> {
        let outcome = Box<Result<BackchannelTokens, BackchannelClientError>>()
        let task = Task {
            do throws(BackchannelClientError) {
                outcome.set(.success(try await authenticate()))
            } catch {
                outcome.set(.failure(error))
            }
        }
        await drive(until: { outcome.get != nil }, { await outcome.waitUntilSet() })
        await task.value
        return outcome.get ?? .failure(.transport("did not finish"))
    }

    /// Advances the shared clock a second at a time until the awaited event has happened. Before each step it
    /// waits for someone to sleep on the clock (so time never moves while a request is in flight) or for the
    /// event; when both are there at once (the event, then the sleep that follows it) the event decides.
    func drive(
        until happened: @escaping @Sendable () -> Bool, _ event: @escaping @Sendable () async -> Void, limit: Int = 600
    ) async {
        for _ in 0..<limit {
            if happened() { return }
            _ = await firstOf({ await self.clock.waitForSleepers(1) }, event)
            if happened() { return }
            await clock.advance(by: 1)
        }
    }
}

/// A value a task sets once and a test reads, or waits for.
final class Box<Value: Sendable>: Sendable {
    private let value = Mutex<Value?>(nil)
    private let events = EventCounter<Bool>()
    func set(_ newValue: Value) {
        value.withLock { $0 = newValue }
        events.record(true)
    }
    var get: Value? { value.withLock { $0 } }
    /// Suspends until the value is set.
    func waitUntilSet() async { await events.wait(for: true) }
}
