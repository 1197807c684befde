import BackchannelCore

/// The `store` directory: users in the server's own store (``UserStore``), found by subject or by a
/// login hint's normalised form.
public struct StoreUserDirectory: UserDirectory {
    /// The users.
    public let users: any UserStore

    /// A directory over `users`.
    public init(users: any UserStore) {
        self.users = users
    }

    public func user(subject: String) async throws -> DirectoryUser? {
        try await users.user(subject: subject)
    }

    public func user(loginHint: String) async throws -> DirectoryUser? {
        // The subject first (a hint may be one, in any form), then the hint's normalised form.
        if let user = try await users.user(key: loginHint) { return user }
        let key = DirectoryIndexKey.normalized(loginHint)
        return key == loginHint ? nil : try await users.user(key: key)
    }
}
