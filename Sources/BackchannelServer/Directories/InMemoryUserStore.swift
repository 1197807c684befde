import BackchannelCore
import Synchronization

/// A ``UserStore`` in this process's memory: the memory store's, for demos and tests.
public final class InMemoryUserStore: UserStore {
    private struct State {
        var bySubject: [String: DirectoryUser] = [:]
        var byKey: [String: String] = [:]
    }

    private let state = Mutex(State())

    /// Creates an empty store.
    public init() {}

    public func put(_ users: [DirectoryUser]) async throws -> [UserPutOutcome] {
        state.withLock { state in
            users.map { user in
                let keys = DirectoryIndexKey.keys(of: user)
                for key in keys {
                    if let owner = state.byKey[key], owner != user.subject { return .keyTaken(key: key, owner: owner) }
                }
                let previous = state.bySubject[user.subject]
                if previous == user { return .unchanged }
                if let previous {
                    for key in DirectoryIndexKey.keys(of: previous) { state.byKey[key] = nil }
                }
                for key in keys { state.byKey[key] = user.subject }
                state.bySubject[user.subject] = user
                return previous == nil ? .created : .updated
            }
        }
    }

    public func user(subject: String) async throws -> DirectoryUser? {
        state.withLock { $0.bySubject[subject] }
    }

    public func user(key: String) async throws -> DirectoryUser? {
        state.withLock { state in state.byKey[key].flatMap { state.bySubject[$0] } }
    }

    public func delete(subject: String) async throws -> Bool {
        state.withLock { state in
            guard let user = state.bySubject.removeValue(forKey: subject) else { return false }
            for key in DirectoryIndexKey.keys(of: user) { state.byKey[key] = nil }
            return true
        }
    }

    public func users(after: String?, limit: Int) async throws -> [DirectoryUser] {
        // Sorting every subject is fine for the memory store's sizes (demos, tests); the SQL stores page an index.
        state.withLock { state in
            state.bySubject.keys.sorted().lazy.filter { after == nil || $0 > after! }.prefix(limit).compactMap { state.bySubject[$0] }
        }
    }
}
