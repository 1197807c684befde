/// A user directory held in memory, built from configuration (`users:`, the `static` directory) or by a test.
package struct StaticUserDirectory: UserDirectory {
    private let bySubject: [String: DirectoryUser]
    private let byKey: [String: DirectoryUser]

    /// Creates a directory of these users, each found by its subject and by the normalised form of its login
    /// hints, e-mail address and phone number (``DirectoryIndexKey``). A later user with an already-used
    /// subject or key replaces the earlier one there.
    package init(_ users: [DirectoryUser]) {
        var bySubject: [String: DirectoryUser] = [:]
        var byKey: [String: DirectoryUser] = [:]
        for user in users {
            bySubject[user.subject] = user
            for key in DirectoryIndexKey.keys(of: user) { byKey[key] = user }
        }
        self.bySubject = bySubject
        self.byKey = byKey
    }

    package func user(subject: String) async throws -> DirectoryUser? {
        bySubject[subject]
    }

    package func user(loginHint: String) async throws -> DirectoryUser? {
        byKey[loginHint] ?? byKey[DirectoryIndexKey.normalized(loginHint)]
    }
}
