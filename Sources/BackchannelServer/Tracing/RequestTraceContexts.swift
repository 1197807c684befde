import DequeModule
import Synchronization
import Tracing

/// The trace each ping or push request began in on this node, so its notification, delivered later by
/// the outbox's service, joins that trace instead of starting one of its own.
///
/// Kept only while tracing is on; at most `capacity` entries, the oldest going first (a notification whose
/// context went, or that another node delivers, starts a trace of its own and says which request it
/// belongs to by its label).
final class RequestTraceContexts: Sendable {
    private struct State {
        var contexts: [String: ServiceContext] = [:]
        var order: Deque<String> = []
    }

    private let state = Mutex(State())
    private let capacity: Int

    init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    /// Remembers `context` as the trace of the request stored under `authReqIdHash`.
    func remember(_ context: ServiceContext, for authReqIdHash: String) {
        state.withLock { state in
            if state.contexts.updateValue(context, forKey: authReqIdHash) == nil { state.order.append(authReqIdHash) }
            while state.order.count > capacity, let oldest = state.order.popFirst() {
                state.contexts[oldest] = nil
            }
        }
    }

    /// The trace the request began in, if this node still knows it.
    func context(for authReqIdHash: String) -> ServiceContext? {
        state.withLock { $0.contexts[authReqIdHash] }
    }

    /// Forgets a request whose notification was delivered or given up on.
    func forget(_ authReqIdHash: String) {
        state.withLock { state in
            guard state.contexts.removeValue(forKey: authReqIdHash) != nil else { return }
            if let index = state.order.firstIndex(of: authReqIdHash) { state.order.remove(at: index) }
        }
    }
}
