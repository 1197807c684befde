import DequeModule
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// A fixed set of connections to PostgreSQL, each slot kept open by a supervisor of its own, and the
/// store's operations run on them: each gets a connection within `deadline` or fails with
/// ``PostgresStoreError/unavailable(seconds:)``.
///
/// Why not `PostgresClient`'s pool: with a minimum number of connections (the only way to keep its
/// per-query idle timers from piling up) it crashes the process on a precondition when a request arrives
/// while fewer connections than the minimum are open, which is the state it is in right after the
/// database comes back from a restart (postgres-nio 1.33.2, `createNewDemandConnectionIfPossible`). A
/// store must survive its database's restarts, so the store keeps its connections itself: a slot whose
/// connection closes reconnects with backoff; while every slot is failing, operations fail at once
/// instead of waiting out their deadline.
final class PostgresConnectionPool: Sendable {
    private struct Waiter {
        var continuation: CheckedContinuation<PostgresConnection, any Error>
        var timeout: Scheduled<Void>?
    }

    private struct State {
        var idle: [PostgresConnection] = []
        /// Waiters by id, and their order; an id whose waiter timed out or was cancelled is skipped.
        var waiters: [Int: Waiter] = [:]
        var order: Deque<Int> = []
        var nextWaiter = 0
        var nextConnection = 0
        var open = 0
        var failingSlots = 0
        var shutDown = false
        /// Tests waiting for a condition of the slots (``waitUntil(_:)``); empty in service.
        var watchers: [Int: (condition: Condition, continuation: CheckedContinuation<Void, Never>)] = [:]

        func holds(_ condition: Condition, size: Int) -> Bool {
            switch condition {
            case .open(let count): open >= count
            case .outOfReach: open == 0 && failingSlots == size
            }
        }

        /// The watchers the slots now satisfy, removed: the caller resumes them outside the lock.
        mutating func satisfiedWatchers(size: Int) -> [CheckedContinuation<Void, Never>] {
            guard !watchers.isEmpty else { return [] }
            let ready = watchers.filter { holds($0.value.condition, size: size) }
            for id in ready.keys { watchers.removeValue(forKey: id) }
            return ready.values.map(\.continuation)
        }

        /// The most recently returned open connection (warm), dropping closed ones on the way.
        mutating func popOpenIdle() -> PostgresConnection? {
            while let connection = idle.popLast() {
                if !connection.isClosed { return connection }
            }
            return nil
        }

        mutating func nextWaiterToServe() -> Waiter? {
            while let id = order.popFirst() {
                if let waiter = waiters.removeValue(forKey: id) { return waiter }
            }
            return nil
        }
    }

    /// A condition of the slots a test can wait for.
    enum Condition: Sendable {
        /// At least this many connections are open.
        case open(Int)
        /// Every slot failed to connect and none is open: operations fail at once.
        case outOfReach
    }

    private let state = Mutex(State())
    private let leaseCount = Atomic<Int>(0)
    /// How many times an operation took a connection (tests count round trips by it).
    var leases: Int { leaseCount.load(ordering: .relaxed) }
    private let size: Int
    private let configuration: PostgresConnection.Configuration
    private let deadline: Duration
    private let logger: Logger
    private let eventLoops: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton

    /// - Parameters:
    ///   - size: How many connections the pool keeps open while it runs.
    ///   - configuration: How each connection reaches the database.
    ///   - deadline: How long an operation waits for a connection.
    ///   - logger: Where connection losses and reconnections are logged.
    init(size: Int, configuration: PostgresConnection.Configuration, deadline: Duration, logger: Logger) {
        self.size = size
        self.configuration = configuration
        self.deadline = deadline
        self.logger = logger
    }

    /// Suspends until the slots satisfy `condition`, or the task is cancelled: the event a test waits for
    /// (connected, out of reach, back) instead of polling with operations.
    func waitUntil(_ condition: Condition) async {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    guard !state.holds(condition, size: size), !Task.isCancelled else { return true }
                    state.watchers[id] = (condition, continuation)
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.watchers.removeValue(forKey: id) }?.continuation.resume()
        }
    }

    /// Keeps every slot's connection open until graceful shutdown or cancellation, then closes them and
    /// fails whoever still waits.
    func run() async {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for _ in 0..<self.size { group.addTask { await self.supervise() } }
            }
        }
        let waiters = state.withLock { state in
            state.shutDown = true
            state.order.removeAll()
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters {
            waiter.timeout?.cancel()
            waiter.continuation.resume(throwing: PostgresStoreError.unavailable(seconds: Int(deadline.components.seconds)))
        }
    }

    // MARK: Operations

    /// Runs `query` on a connection and returns its rows, read in full before the connection is returned.
    @discardableResult
    func query(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        try await withConnection { connection in try await connection.checkedQuery(query, logger: logger).collect() }
    }

    /// Runs a prepared statement (prepared on each connection's first use of it) and collects its rows.
    func execute<Statement: PostgresPreparedStatement>(_ statement: Statement, logger: Logger) async throws -> [Statement.Row]
    where Statement.Row: Sendable {
        try await withConnection { connection in
            let rows: AsyncThrowingMapSequence<PostgresRowSequence, Statement.Row> = try await connection.checkedExecute(statement, logger: logger)
            var collected: [Statement.Row] = []
            for try await row in rows { collected.append(row) }
            return collected
        }
    }

    /// Runs `body` with a connection of its own for as long as it runs.
    func withConnection<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        let connection = try await lease()
        defer { release(connection) }
        return try await body(connection)
    }

    /// Runs `body` inside `BEGIN` … `COMMIT` on a connection of its own, rolled back if it throws.
    func withTransaction<Result: Sendable>(logger: Logger, _ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        try await withConnection { connection in try await connection.checkedTransaction(logger: logger) { try await body($0) } }
    }

    // MARK: Leasing

    private enum Immediate {
        case connection(PostgresConnection)
        case failure(PostgresStoreError)
        case wait
    }

    private func lease() async throws -> PostgresConnection {
        leaseCount.add(1, ordering: .relaxed)
        let seconds = Int(deadline.components.seconds)
        let immediate: Immediate = state.withLock { state in
            if let connection = state.popOpenIdle() { return .connection(connection) }
            if state.shutDown { return .failure(.unavailable(seconds: seconds)) }
            if state.open == 0 && state.failingSlots == size { return .failure(.outOfReach) }
            return .wait
        }
        switch immediate {
        case .connection(let connection): return connection
        case .failure(let error): throw error
        case .wait: break
        }
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let served: PostgresConnection? = state.withLock { state in
                    // Released between the first look and now.
                    if let connection = state.popOpenIdle() { return connection }
                    state.waiters[id] = Waiter(continuation: continuation)
                    state.order.append(id)
                    return nil
                }
                if let served { return continuation.resume(returning: served) }
                let timeout = eventLoops.any().scheduleTask(in: .nanoseconds(deadline.nanoseconds)) {
                    self.abandon(id, PostgresStoreError.unavailable(seconds: seconds))
                }
                let stillWaiting = state.withLock { state in
                    guard state.waiters[id] != nil else { return false }
                    state.waiters[id]?.timeout = timeout
                    return true
                }
                if !stillWaiting { timeout.cancel() }
            }
        } onCancel: {
            abandon(id, CancellationError())
        }
    }

    /// Fails one waiter, if it still waits.
    private func abandon(_ id: Int, _ error: any Error) {
        let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
        waiter?.timeout?.cancel()
        waiter?.continuation.resume(throwing: error)
    }

    /// Hands a connection to the longest waiter, or back to the idle ones; a closed one is dropped (its
    /// slot's supervisor reconnects).
    private func release(_ connection: PostgresConnection) {
        let waiter: Waiter? = state.withLock { state in
            guard !connection.isClosed, !state.shutDown else { return nil }
            if let waiter = state.nextWaiterToServe() { return waiter }
            state.idle.append(connection)
            return nil
        }
        guard let waiter else { return }
        waiter.timeout?.cancel()
        waiter.continuation.resume(returning: connection)
    }

    // MARK: Supervision

    /// Keeps one slot's connection open: connect, serve until it closes, reconnect; after a failed attempt,
    /// wait (100 ms doubling to 2 s) before the next.
    private func supervise() async {
        var failures = 0
        while !Task.isCancelled {
            let id = state.withLock { state in
                defer { state.nextConnection += 1 }
                return state.nextConnection
            }
            let connection: PostgresConnection
            do {
                connection = try await PostgresConnection.connect(on: eventLoops.any(), configuration: configuration, id: id, logger: logger)
            } catch {
                if failures == 0 { logger.warning("cannot connect to PostgreSQL, retrying", metadata: ["error": "\(Self.reason(error))"]) }
                failures += 1
                let (waiters, watchers) = state.withLock { state -> ([Waiter], [CheckedContinuation<Void, Never>]) in
                    if failures == 1 { state.failingSlots += 1 }
                    let watchers = state.satisfiedWatchers(size: size)
                    // The database is out of reach from every slot: nobody gets a connection soon.
                    guard state.open == 0, state.failingSlots == size else { return ([], watchers) }
                    state.order.removeAll()
                    defer { state.waiters.removeAll() }
                    return (Array(state.waiters.values), watchers)
                }
                for watcher in watchers { watcher.resume() }
                for waiter in waiters {
                    waiter.timeout?.cancel()
                    waiter.continuation.resume(throwing: PostgresStoreError.outOfReach)
                }
                try? await Task.sleep(for: .milliseconds(min(2000, 100 << min(failures - 1, 5))))
                continue
            }
            if failures > 0 { logger.info("connected to PostgreSQL again") }
            let wasFailing = failures > 0
            failures = 0
            let watchers = state.withLock { state in
                state.open += 1
                if wasFailing { state.failingSlots -= 1 }
                return state.satisfiedWatchers(size: size)
            }
            for watcher in watchers { watcher.resume() }
            release(connection)
            await withTaskCancellationHandler {
                try? await connection.closeFuture.get()
            } onCancel: {
                connection.close().whenComplete { _ in }
            }
            state.withLock { state in
                state.open -= 1
                state.idle.removeAll { $0 === connection }
            }
        }
    }

    static func reason(_ error: any Error) -> String {
        if let error = error as? PSQLError { return PostgresStore.reason(error) }
        return "\(error)"
    }
}

extension Duration {
    fileprivate var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
