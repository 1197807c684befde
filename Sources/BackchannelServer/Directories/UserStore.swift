import BackchannelCore

/// Users kept in the server's own store (the `store` directory), managed through the admin API and
/// `backchanneld users import`.
///
/// Each user is found by its subject and by every key of ``DirectoryIndexKey`` (its login hints, e-mail
/// address and phone number, normalised); a key names one user, so a write that would give a user a key
/// another user holds is refused, never resolved by taking the key away. Every lookup is one indexed read.
public protocol UserStore: Sendable {
    /// Creates or replaces each user (by subject), in order, each all or nothing.
    /// - Returns: What happened to each, in the same order.
    func put(_ users: [DirectoryUser]) async throws -> [UserPutOutcome]

    /// The user with this subject, if any.
    func user(subject: String) async throws -> DirectoryUser?

    /// The user indexed under `key` (a normalised hint, ``DirectoryIndexKey/normalized(_:)``), if any.
    func user(key: String) async throws -> DirectoryUser?

    /// Removes the user with this subject and its keys.
    /// - Returns: whether there was one.
    func delete(subject: String) async throws -> Bool

    /// Users in subject order, from the first subject after `after` (from the start when `nil`), at most `limit`.
    func users(after: String?, limit: Int) async throws -> [DirectoryUser]
}

extension UserStore {
    /// Creates or replaces one user.
    public func put(_ user: DirectoryUser) async throws -> UserPutOutcome {
        try await put([user])[0]
    }
}

/// What a ``UserStore/put(_:)`` did with one user.
public enum UserPutOutcome: Sendable, Hashable {
    /// A new user.
    case created
    /// A user of this subject was replaced by a different record.
    case updated
    /// The same record was there already (a repeated import).
    case unchanged
    /// Refused: `key` (a normalised login hint, e-mail address or phone number) belongs to the user `owner`.
    case keyTaken(key: String, owner: String)
}
