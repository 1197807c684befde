import Synchronization

/// Bounds how many deliveries run at once to each client endpoint: a slow endpoint holds its own
/// slots, never another client's.
final class EndpointSlots: Sendable {
    private struct State {
        var inUse: [String: Int] = [:]
        var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]
    }

    private let limit: Int
    private let state = Mutex(State())

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Waits for a slot at `endpoint`.
    func acquire(_ endpoint: String) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state in
                guard state.inUse[endpoint, default: 0] < limit else {
                    state.waiting[endpoint, default: []].append(continuation)
                    return false
                }
                state.inUse[endpoint, default: 0] += 1
                return true
            }
            if granted { continuation.resume() }
        }
    }

    /// Gives a slot back, to the next waiter if any.
    func release(_ endpoint: String) {
        let next: CheckedContinuation<Void, Never>? = state.withLock { state in
            if var queue = state.waiting[endpoint], !queue.isEmpty {
                let first = queue.removeFirst()
                state.waiting[endpoint] = queue.isEmpty ? nil : queue
                return first  // the slot passes straight to it
            }
            state.inUse[endpoint, default: 1] -= 1
            if state.inUse[endpoint] == 0 { state.inUse[endpoint] = nil }
            return nil
        }
        next?.resume()
    }
}
