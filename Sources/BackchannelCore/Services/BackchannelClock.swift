import Foundation

/// The host's notion of time, injected so that tests run the lifecycle under a virtual clock.
public protocol BackchannelClock: Sendable {
    /// The current instant.
    var now: Date { get }

    /// Suspends until `deadline` has passed on this clock.
    /// - Throws: `CancellationError` when the calling task is cancelled first.
    func sleep(until deadline: Date) async throws
}
