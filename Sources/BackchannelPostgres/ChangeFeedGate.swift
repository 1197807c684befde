import Synchronization

/// Holds the change feed back from listening again after a lost connection, for as long as a test needs the
/// node deaf: open unless ``hold()`` was called.
final class ChangeFeedGate: Sendable {
    private struct State {
        var held = false
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var next = 0
    }

    private let state = Mutex(State())

    /// Closes the gate: the feed waits at it before reconnecting.
    func hold() {
        state.withLock { $0.held = true }
    }

    /// Opens the gate, letting a waiting feed through.
    func release() {
        let waiters = state.withLock { state in
            state.held = false
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns at once while open; else when released or when the task is cancelled.
    func pass() async {
        let id = state.withLock { state in
            defer { state.next += 1 }
            return state.next
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let through = state.withLock { state in
                    guard state.held, !Task.isCancelled else { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if through { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
