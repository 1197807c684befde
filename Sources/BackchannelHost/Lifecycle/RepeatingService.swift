import ServiceLifecycle

/// Work repeated every `period` until graceful shutdown: the expiry sweeper, the plugin-state purge.
struct RepeatingService: Service {
    let period: Duration
    let work: @Sendable () async -> Void

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await work()
                try await Task.sleep(for: period)
            }
        }
    }
}
