import NIOPosix
import Synchronization

/// At most `size` connections, each lent to one operation at a time and run on a thread pool of as many
/// threads (libldap's calls block; NIO's shared pool has one thread a core, which would cap concurrent
/// searches at the core count however many connections there are). A connection that fails as unreachable is closed, not lent again; the next operation opens
/// a new one. Operations beyond `size` wait for a connection to come back (each operation is bounded by the
/// timeout, so the wait is too).
final class LDAPConnectionPool: Sendable {
    private struct State {
        var idle: [LDAPConnection] = []
        var open = 0
        var waiters: [CheckedContinuation<LDAPConnection?, Never>] = []
        var closed = false
    }

    private let settings: LDAPConnection.Settings
    private let size: Int
    private let state = Mutex(State())
    private let threads: NIOThreadPool

    init(settings: LDAPConnection.Settings, size: Int) {
        self.settings = settings
        self.size = size
        threads = NIOThreadPool(numberOfThreads: size)
        threads.start()
    }

    /// Runs `body` with a connection of its own, on a thread for blocking work; once more on a new
    /// connection when the one it had turns out to be dead (the server restarted, say).
    func withConnection<Result: Sendable>(_ body: @escaping @Sendable (LDAPConnection) throws(LDAPDirectoryError) -> Result) async throws(LDAPDirectoryError) -> Result {
        do {
            return try await attempt(body)
        } catch where error.code == .unreachable {
            return try await attempt(body)
        }
    }

    private func attempt<Result: Sendable>(_ body: @escaping @Sendable (LDAPConnection) throws(LDAPDirectoryError) -> Result) async throws(LDAPDirectoryError) -> Result {
        let lent = await lend()
        let settings = self.settings
        let outcome: Swift.Result<(Result, LDAPConnection), LDAPDirectoryError>
        do {
            outcome = try await threads.runIfActive { () -> Swift.Result<(Result, LDAPConnection), LDAPDirectoryError> in
                let connection: LDAPConnection
                do throws(LDAPDirectoryError) {
                    if let lent { connection = lent } else { connection = try LDAPConnection.open(settings) }
                } catch {
                    return .failure(error)
                }
                do throws(LDAPDirectoryError) {
                    return .success((try body(connection), connection))
                } catch {
                    connection.close()
                    return .failure(error)
                }
            }
        } catch {
            giveBack(nil)
            throw LDAPDirectoryError(code: .unreachable, description: "the thread pool is shut down")
        }
        switch outcome {
        case .success(let (result, connection)):
            giveBack(connection)
            return result
        case .failure(let error):
            // A failed search closed its connection: the next operation opens a fresh one.
            giveBack(nil)
            throw error
        }
    }

    /// An idle connection, `nil` to open one (a slot is free), or waits for one to come back.
    private func lend() async -> LDAPConnection? {
        enum Lending { case idle(LDAPConnection), open, wait }
        let now: Lending = state.withLock { state in
            if let connection = state.idle.popLast() { return .idle(connection) }
            if state.open < size {
                state.open += 1
                return .open
            }
            return .wait
        }
        switch now {
        case .idle(let connection): return connection
        case .open: return nil
        case .wait: return await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                if state.closed { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume(returning: nil) }
        }
        }
    }

    /// Returns a connection to the pool (`nil`: the slot is free, its connection gone).
    private func giveBack(_ connection: LDAPConnection?) {
        let (waiter, toClose): (CheckedContinuation<LDAPConnection?, Never>?, LDAPConnection?) = state.withLock { state in
            if state.closed {
                state.open -= 1
                return (nil, connection)
            }
            if !state.waiters.isEmpty {
                // The waiter takes the slot: with this connection, or opening its own.
                return (state.waiters.removeFirst(), nil)
            }
            if let connection { state.idle.append(connection) } else { state.open -= 1 }
            return (nil, nil)
        }
        toClose?.close()
        waiter?.resume(returning: connection)
    }

    /// Closes every connection and stops the threads (a search under way finishes first).
    func close() async {
        closeIdle()
        try? await threads.shutdownGracefully()
    }

    /// Closes every idle connection; those lent out close as they come back.
    private func closeIdle() {
        let (idle, waiters) = state.withLock { state in
            state.closed = true
            defer {
                state.open -= state.idle.count
                state.idle = []
                state.waiters = []
            }
            return (state.idle, state.waiters)
        }
        for connection in idle { connection.close() }
        for waiter in waiters { waiter.resume(returning: nil) }
    }
}
