import Hummingbird
import HummingbirdCore
import Logging
import ServiceLifecycle

/// An HTTP server on a loopback port for the length of a test: a stand-in SMS gateway, a client's
/// notification endpoint, anything a plugin talks to over HTTP.
///
/// ```swift
/// let router = Router()
/// router.post("/messages") { _, _ in Response(status: .created) }
/// let port = try LoopbackPort.free()
/// try await LoopbackHTTPServer.serve(router, port: port) {
///     // configure the plugin with http://127.0.0.1:\(port)/messages and exercise it
/// }
/// ```
public enum LoopbackHTTPServer {
    /// The port could not be bound (another process took it since it was found free).
    public struct PortInUse: Error, CustomStringConvertible {
        /// The port.
        public var port: Int
        public var description: String { "cannot listen on 127.0.0.1:\(port)" }
    }

    /// Serves `router` on `127.0.0.1:port` while `body` runs, then stops.
    /// - Parameters:
    ///   - router: What the server answers.
    ///   - port: The loopback port to listen on (``LoopbackPort/free()`` finds one).
    ///   - label: The server's logger label, to tell stand-ins apart in a test's output.
    ///   - server: The listener: HTTP/1.1 by default; HTTP/2 over TLS for a stand-in of a service
    ///     that speaks only that (`.http2Upgrade(tlsConfiguration:)` from HummingbirdHTTP2).
    ///   - body: Runs while the server listens; its result is returned.
    /// - Throws: ``PortInUse`` when the server cannot start; whatever `body` throws.
    public static func serve<Context: RequestContext, Result>(
        _ router: Router<Context>, port: Int, label: String = "loopback-http", server: HTTPServerBuilder = .http1(),
        _ body: () async throws -> Result
    ) async throws -> Result where Context.Source == ApplicationRequestContextSource {
        let (ready, readyContinuation) = AsyncStream.makeStream(of: Bool.self)
        let logger = Logger(label: label)
        let app = Application(
            router: router, server: server, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { _ in readyContinuation.yield(true) }, logger: logger)
        // Stopped gracefully, never cancelled: the listener closes before the connections do, so a client that
        // connects during shutdown is refused rather than accepted into a server that is going away (which trips
        // an assertion in NIO's async channel).
        let services = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let server = Task {
            do { try await services.run() } catch {}
            readyContinuation.yield(false)
        }
        for await running in ready {
            guard running else { throw PortInUse(port: port) }
            break
        }
        do {
            let result = try await body()
            await services.triggerGracefulShutdown()
            await server.value
            return result
        } catch {
            await services.triggerGracefulShutdown()
            await server.value
            throw error
        }
    }
}
