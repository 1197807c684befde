import BackchannelCore
import Logging
import ServiceLifecycle

/// Plugins' background work under the host's lifecycle: at graceful shutdown (after the HTTP server
/// has stopped taking requests) it waits for running deliveries up to the deadline, then cancels the
/// rest, which conclude their requests as failed; then it closes the outbound clients plugins registered.
struct BackgroundWorkService: Service {
    let work: BackgroundWork
    let deadline: Duration
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        let running = work.count
        if running > 0 {
            logger.notice("waiting for background work to finish", metadata: ["running": "\(running)", "deadline": "\(deadline)"])
        }
        let cancelled = await work.drain(deadline: deadline)
        if cancelled > 0 {
            logger.warning("background work cancelled at the shutdown deadline; its requests concluded as failed", metadata: ["cancelled": "\(cancelled)"])
        }
        for failure in await work.close() {
            logger.warning("a plugin's client did not close cleanly", metadata: ["client": "\(failure.name)", "error": "\(failure.error)"])
        }
    }
}
