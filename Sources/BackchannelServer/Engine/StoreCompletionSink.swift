import BackchannelCore
import Foundation

/// Records a handler's report of a conclusion in the store at once, so the next poll answers from the
/// store without asking the handler. The first conclusion wins; later ones are ignored.
public struct StoreCompletionSink: BackchannelCompletionSink {
    private let store: any PendingRequestStore
    private let audit: AuditLog?
    private let outbox: OutboxWakeup?

    /// Creates a sink writing into `store`, recording each conclusion in `audit` and waking `outbox`'s
    /// service when the client takes a notification.
    public init(store: any PendingRequestStore, audit: AuditLog? = nil, outbox: OutboxWakeup? = nil) {
        self.store = store
        self.audit = audit
        self.outbox = outbox
    }

    public func authenticationConcluded(authReqId: AuthReqId, result: BackchannelAuthenticationResult) async {
        // The request as concluded comes back with the conclusion: how long the user took is a metric.
        guard let request = try? await store.concludeReturningRequest(authReqIdHash: authReqId.rawValue, result: result) else { return }
        if request.notification != nil { outbox?.signal() }
        let now = Date()
        ConclusionMetrics.concluded(request, as: request.state, at: now)
        audit?.concluded(request, as: request.state, at: now)
    }
}
