import BackchannelCore
import Synchronization

/// A completion sink that remembers every report, so tests can check what a handler told its host.
public final class RecordingCompletionSink: BackchannelCompletionSink, CountWaitable {
    private struct State {
        var reports: [(AuthReqId, BackchannelAuthenticationResult)] = []
        /// Tasks waiting for so many reports (``waitForReports(_:)``).
        var waiters = CountWaiters()
    }

    private let state = Mutex(State())

    /// Creates an empty sink.
    public init() {}

    public func authenticationConcluded(authReqId: AuthReqId, result: BackchannelAuthenticationResult) async {
        let satisfied = state.withLock { state in
            state.reports.append((authReqId, result))
            return state.waiters.satisfied(by: state.reports.count)
        }
        for watcher in satisfied { watcher.resume() }
    }

    /// Every report for one request, in order.
    public func results(for authReqId: AuthReqId) -> [BackchannelAuthenticationResult] {
        state.withLock { $0.reports.filter { $0.0 == authReqId }.map(\.1) }
    }

    /// How many reports arrived in all.
    public var count: Int { state.withLock { $0.reports.count } }

    /// Suspends until at least `count` reports have arrived: the event a test waits for after waking a
    /// handler's work, instead of yielding in a loop. Since 1.6.
    public func waitForReports(_ count: Int = 1) async {
        await waitForCount(count)
    }

    func withWaiters<Result>(_ body: (inout CountWaiters, Int) -> Result) -> Result {
        state.withLock { body(&$0.waiters, $0.reports.count) }
    }
}
