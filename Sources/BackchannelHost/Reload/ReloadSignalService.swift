import Dispatch
import Foundation
import ServiceLifecycle

/// Reloads the configuration file on every SIGHUP, under the host's lifecycle (it stops listening at
/// graceful shutdown). Signals that arrive during a reload fold into one more reload.
struct ReloadSignalService: Service {
    let reloader: ConfigurationReloader
    let path: String

    func run() async throws {
        let (signals, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        // The default action of SIGHUP ends the process: the signal source takes it over instead.
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler { continuation.yield() }
        source.resume()
        defer { source.cancel() }
        for await _ in signals.cancelOnGracefulShutdown() {
            _ = reloader.reload(path: path)
        }
    }
}
