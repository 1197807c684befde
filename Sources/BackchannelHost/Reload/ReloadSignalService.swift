import Dispatch
import Foundation
import Logging
import ServiceLifecycle

/// Reloads the configuration file on every SIGHUP, under the host's lifecycle (it stops listening at
/// graceful shutdown). Signals that arrive during a reload fold into one more reload. A server started
/// without a file (`path` nil) has nothing to reload: the signal is logged and the server goes on, rather
/// than dying of SIGHUP's default action.
struct ReloadSignalService: Service {
    let reloader: ConfigurationReloader
    let path: String?
    var logger = Logger(label: "backchanneld")

    func run() async throws {
        let (signals, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        // The default action of SIGHUP ends the process: the signal source takes it over instead.
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler { continuation.yield() }
        source.resume()
        defer { source.cancel() }
        for await _ in signals.cancelOnGracefulShutdown() {
            guard let path else {
                logger.warning("SIGHUP ignored: this server was started without --config, so there is no file to reload")
                continue
            }
            _ = reloader.reload(path: path)
        }
    }
}
