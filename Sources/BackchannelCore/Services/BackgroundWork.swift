import Synchronization

/// Where a plugin runs work that outlives the call that started it (a delivery with retries), under the
/// host's lifecycle: at shutdown the host waits for it up to a deadline, then cancels what is left, so
/// the work can record its failure instead of vanishing with the process.
///
/// Work must honour cancellation: a cancelled delivery should conclude its request as failed.
///
/// An outbound client a plugin makes (an HTTP client with its own TLS settings) is registered with
/// ``closeAtShutdown(_:_:)``: the host closes it once the work has drained, so it is never left to `deinit`.
public final class BackgroundWork: Sendable {
    private struct State {
        var tasks: [Int: Task<Void, Never>] = [:]
        var next = 0
        var draining = false
        var closers: [(name: String, close: @Sendable () async throws -> Void)] = []
        var closed = false
    }

    private let state = Mutex(State())

    /// Creates an empty set of work.
    public init() {}

    /// Starts `operation` now. During a drain, it starts already cancelled.
    /// - Parameters:
    ///   - name: What the work is, for the host's log.
    ///   - operation: The work; it should end soon after it is cancelled.
    public func run(_ name: String, _ operation: @escaping @Sendable () async -> Void) {
        state.withLock { state in
            let id = state.next
            state.next += 1
            let task = Task { [weak self] in
                await operation()
                _ = self?.state.withLock { $0.tasks.removeValue(forKey: id) }
            }
            if state.draining { task.cancel() }
            state.tasks[id] = task
        }
    }

    /// Registers `close` (shutting down an outbound client the plugin made) to run once at shutdown, after
    /// the last piece of work has ended. Registered after the host has closed, it runs at once. Since plugin API 1.6.
    /// - Parameters:
    ///   - name: What is closed, for the host's log.
    ///   - close: Shuts it down.
    public func closeAtShutdown(_ name: String, _ close: @escaping @Sendable () async throws -> Void) {
        let late = state.withLock { state -> Bool in
            if state.closed { return true }
            state.closers.append((name, close))
            return false
        }
        if late { run("closing \(name)") { try? await close() } }
    }

    /// Runs what ``closeAtShutdown(_:_:)`` registered, in reverse order of registration, once: after
    /// ``drain(deadline:)``, by the host.
    /// - Returns: the names of those that failed to close, with their errors.
    @discardableResult
    public func close() async -> [(name: String, error: any Error)] {
        let closers = state.withLock { state in
            state.closed = true
            defer { state.closers = [] }
            return state.closers
        }
        var failures: [(name: String, error: any Error)] = []
        for closer in closers.reversed() {
            do { try await closer.close() } catch { failures.append((closer.name, error)) }
        }
        return failures
    }

    /// How many pieces of work are running.
    public var count: Int { state.withLock { $0.tasks.count } }

    /// Waits for the running work until `deadline`, then cancels what is left and waits for it to end.
    /// - Returns: how many pieces had to be cancelled.
    @discardableResult
    public func drain(deadline: Duration) async -> Int {
        let running = state.withLock { state -> [Task<Void, Never>] in
            state.draining = true
            return Array(state.tasks.values)
        }
        // Whichever ends first: the work (each piece's own end), or the deadline.
        let cancelledAtDeadline = await withTaskGroup(of: Bool.self) { group -> Int in
            group.addTask {
                for task in running { await task.value }
                return true
            }
            group.addTask {
                do {
                    try await Task.sleep(for: deadline)
                    return false
                } catch {
                    return true
                }
            }
            let inTime = await group.next() ?? true
            group.cancelAll()
            guard !inTime else { return 0 }
            // The deadline came first: what still runs is cancelled, which also ends the wait for it.
            let late = state.withLock { Array($0.tasks.values) }
            for task in late { task.cancel() }
            return late.count
        }
        // Work started during the drain starts cancelled; it too is waited for.
        let left = state.withLock { Array($0.tasks.values) }
        for task in left {
            task.cancel()
            await task.value
        }
        return cancelledAtDeadline > 0 ? cancelledAtDeadline : left.count
    }
}
