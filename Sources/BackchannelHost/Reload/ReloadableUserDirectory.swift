import BackchannelCore
import Synchronization

/// The configured users, replaced whole by a reload: the engine and every plugin hold this one directory,
/// so each lookup sees the users of one configuration.
final class ReloadableUserDirectory: UserDirectory {
    private let users: Mutex<StaticUserDirectory>

    init(_ users: [DirectoryUser]) {
        self.users = Mutex(StaticUserDirectory(users))
    }

    func replace(with users: [DirectoryUser]) {
        let directory = StaticUserDirectory(users)
        self.users.withLock { $0 = directory }
    }

    func user(subject: String) async throws -> DirectoryUser? {
        try await users.withLock { $0 }.user(subject: subject)
    }

    func user(loginHint: String) async throws -> DirectoryUser? {
        try await users.withLock { $0 }.user(loginHint: loginHint)
    }
}
