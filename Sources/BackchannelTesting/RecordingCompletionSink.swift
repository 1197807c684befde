import BackchannelCore
import Synchronization

/// A completion sink that remembers every report, so tests can check what a handler told its host.
public final class RecordingCompletionSink: BackchannelCompletionSink {
    private let reports = Mutex<[(AuthReqId, BackchannelAuthenticationResult)]>([])

    /// Creates an empty sink.
    public init() {}

    public func authenticationConcluded(authReqId: AuthReqId, result: BackchannelAuthenticationResult) async {
        reports.withLock { $0.append((authReqId, result)) }
    }

    /// Every report for one request, in order.
    public func results(for authReqId: AuthReqId) -> [BackchannelAuthenticationResult] {
        reports.withLock { $0.filter { $0.0 == authReqId }.map(\.1) }
    }

    /// How many reports arrived in all.
    public var count: Int { reports.withLock { $0.count } }
}
