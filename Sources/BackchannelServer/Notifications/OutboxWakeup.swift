import Synchronization

/// A nudge from a conclusion to this node's notification service: a ping or push client's conclusion
/// is delivered at once instead of at the service's next look at the outbox (every 100 ms when idle).
/// Conclusions recorded by other nodes are still found by that look.
public final class OutboxWakeup: Sendable {
    private struct State {
        var signalled = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())
    /// Told whenever a wait finds no signal and starts waiting: the event a test signals after.
    private let onWaiting: (@Sendable () -> Void)?

    /// Creates a wake-up nobody has signalled.
    public init() {
        onWaiting = nil
    }

    /// A wake-up that tells `onWaiting` whenever a wait starts waiting (tests).
    init(onWaiting: @escaping @Sendable () -> Void) {
        self.onWaiting = onWaiting
    }

    /// Something may be due: the waiting service wakes now, or its next wait returns at once.
    public func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.signalled = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns once signalled (at once if signalled since the last wait), or after `timeout`. One waiter
    /// at a time.
    public func wait(upTo timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.signalled() }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    private func signalled() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                // Under the lock, so that a cancellation either is seen here or finds the waiter stored.
                let now = state.withLock { state -> Bool in
                    if state.signalled || Task.isCancelled {
                        state.signalled = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if now { continuation.resume() } else { onWaiting?() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}
