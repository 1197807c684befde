import ServiceLifecycle

/// Closes the store last, once every other service has finished with it.
struct StoreService: Service {
    let close: @Sendable () -> Void

    func run() async throws {
        try? await gracefulShutdown()
        close()
    }
}
