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
        let port = try freePort()
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

    /// Asks the kernel for a free loopback port.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A value a task sets once and a test reads.
final class Box<Value: Sendable>: Sendable {
    private let value = Mutex<Value?>(nil)
    func set(_ newValue: Value) { value.withLock { $0 = newValue } }
    var get: Value? { value.withLock { $0 } }
}
