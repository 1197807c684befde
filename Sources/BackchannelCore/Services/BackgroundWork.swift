import Synchronization

/// Where a plugin runs work that outlives the call that started it (a delivery with retries), under the
/// host's lifecycle.
///
/// The host runs every piece in one task group it owns. At shutdown it stops taking new work, waits for
/// the running pieces up to its deadline, then cancels what is left; a piece that failed (it threw, or was
/// cancelled) has its `ifFailed` step run after it, outside the cancellation, so the plugin records the
/// failure (concludes the request as failed) instead of vanishing with the process:
///
/// ```swift
/// await services.background.run("SMS delivery") {
///     try await gateway.send(to: phone, text: text)  // throws CancellationError at the shutdown deadline
/// } ifFailed: { error in
///     _ = try? await records.conclude(authReqId, with: RecordedConclusion(.failed, at: services.clock.now), reportingTo: services.completionSink)
/// }
/// ```
///
/// Work must honour cancellation: a cancelled delivery should end soon, by throwing.
public final class BackgroundWork: Sendable {
    private struct Job: Sendable {
        let name: String
        let operation: @Sendable () async throws -> Void
        let ifFailed: @Sendable (any Error) async -> Void
    }

    private struct State {
        var running = 0
        var accepting = true
    }

    private let jobs: AsyncStream<Job>
    private let submit: AsyncStream<Job>.Continuation
    private let state = Mutex(State())
    /// Opens at the shutdown deadline: what still runs is cancelled.
    private let deadline = Latch()
    /// Opens once no work runs and none is taken any more.
    private let idle = Latch()

    /// What carries the submitter's task-local context (its trace) into the work, which runs in the host's
    /// task group: given the operation when it is submitted, it returns the operation to run. None by default.
    private let carrier: (@Sendable (_ operation: @escaping @Sendable () async throws -> Void) -> @Sendable () async throws -> Void)?

    /// Creates an empty set of work; it runs once the host serves it.
    public init() {
        (jobs, submit) = AsyncStream.makeStream(of: Job.self)
        carrier = nil
    }

    /// Creates an empty set of work whose pieces run in the context they were submitted in: `carrier` is
    /// called with each operation as it is submitted and returns the operation to run (a host with tracing
    /// restores the submitter's trace context in it).
    package init(carrier: @escaping @Sendable (_ operation: @escaping @Sendable () async throws -> Void) -> @Sendable () async throws -> Void) {
        (jobs, submit) = AsyncStream.makeStream(of: Job.self)
        self.carrier = carrier
    }

    /// Runs `operation` in the host's task group.
    /// - Parameters:
    ///   - name: What the work is, for the host's log.
    ///   - operation: The work; it should end soon after it is cancelled, by throwing.
    ///   - ifFailed: Run after `operation` threw (`CancellationError` when the host cancelled it at
    ///     shutdown), outside that cancellation: record the failure here. When the host no longer takes
    ///     work (it is shutting down), `operation` does not run and this runs at once with a
    ///     `CancellationError`.
    public func run(
        _ name: String, _ operation: @escaping @Sendable () async throws -> Void,
        ifFailed: @escaping @Sendable (_ error: any Error) async -> Void = { _ in }
    ) async {
        let accepted = state.withLock { state -> Bool in
            guard state.accepting else { return false }
            state.running += 1
            return true
        }
        let operation = carrier?(operation) ?? operation
        guard accepted, case .enqueued = submit.yield(Job(name: name, operation: operation, ifFailed: ifFailed)) else {
            if accepted { finished() }
            await ifFailed(CancellationError())
            return
        }
    }

    /// How many pieces of work are queued or running.
    package var count: Int { state.withLock { $0.running } }

    /// Runs the submitted work until ``drain(deadline:)`` has stopped taking it and every piece has ended:
    /// what the host's lifecycle (or a test harness) runs for as long as the plugins live.
    package func serve() async {
        await withDiscardingTaskGroup { group in
            for await job in jobs {
                group.addTask { await self.execute(job) }
            }
        }
    }

    private func execute(_ job: Job) async {
        // The operation runs in a group of its own, so the deadline cancels it and not the failure step after it.
        let failure: (any Error)? = await withTaskGroup(of: Result<Void, any Error>?.self) { inner in
            inner.addTask {
                do { return .success(try await job.operation()) } catch { return .failure(error) }
            }
            inner.addTask {
                await self.deadline.wait()
                return nil
            }
            while let next = await inner.next() {
                inner.cancelAll()
                // nil: the deadline came first; the operation, cancelled now, still ends with its outcome.
                guard let outcome = next else { continue }
                if case .failure(let error) = outcome { return error }
                return nil
            }
            return nil
        }
        if let failure { await job.ifFailed(failure) }
        finished()
    }

    private func finished() {
        let idleNow = state.withLock { state -> Bool in
            state.running -= 1
            return state.running == 0 && !state.accepting
        }
        if idleNow { idle.open() }
    }

    /// Stops taking work, waits for the running pieces until `deadline`, then cancels what is left and waits
    /// for it (and its failure steps) to end: ``serve()`` returns then.
    /// - Returns: how many pieces had to be cancelled.
    @discardableResult
    package func drain(deadline: Duration) async -> Int {
        let idleNow = state.withLock { state -> Bool in
            state.accepting = false
            return state.running == 0
        }
        submit.finish()
        if idleNow { idle.open() }
        let inTime = await withTaskGroup(of: Bool.self) { group -> Bool in
            group.addTask {
                await self.idle.wait()
                return true
            }
            group.addTask {
                // A deadline, not a poll: the one timer of a shutdown.
                (try? await Task.sleep(for: deadline)) == nil
            }
            let first = await group.next() ?? true
            group.cancelAll()
            return first
        }
        guard !inTime else { return 0 }
        let late = count
        self.deadline.open()
        await idle.wait()
        return late
    }
}
