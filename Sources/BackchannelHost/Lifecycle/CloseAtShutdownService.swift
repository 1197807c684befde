import BackchannelCore
import ServiceLifecycle

/// Closes what a plugin holds open (a directory's connections) once the server shuts down: it waits for the
/// graceful shutdown, then closes. Placed before the services that use the plugin, it is shut down after them.
struct CloseAtShutdownService: Service {
    let target: any ClosingAtShutdown

    func run() async throws {
        // Cancelled instead of shut down gracefully: close all the same.
        try? await gracefulShutdown()
        await target.close()
    }
}
