import BackchannelCore
import BackchannelOutbound
import Logging
import ServiceLifecycle

/// Plugins' background work in a task group of the host's lifecycle: it runs every delivery plugins submit;
/// at graceful shutdown (after the HTTP server has stopped taking requests) it stops taking work, waits for
/// the running deliveries up to the deadline, then cancels the rest, whose failure steps conclude their
/// requests as failed; then it shuts down the HTTP clients plugins were lent.
struct BackgroundWorkService: Service {
    let work: BackgroundWork
    let httpClients: HostHTTPClients
    let deadline: Duration
    let logger: Logger

    func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { await work.serve() }
            try? await gracefulShutdown()
            let running = work.count
            if running > 0 {
                logger.notice("waiting for background work to finish", metadata: ["running": "\(running)", "deadline": "\(deadline)"])
            }
            let cancelled = await work.drain(deadline: deadline)
            if cancelled > 0 {
                logger.warning("background work cancelled at the shutdown deadline; its requests concluded as failed", metadata: ["cancelled": "\(cancelled)"])
            }
        }
        await httpClients.shutdown()
    }
}
