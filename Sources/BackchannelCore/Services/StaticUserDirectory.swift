/// A user directory held in memory, built from configuration or by a test.
package struct StaticUserDirectory: UserDirectory {
    private let bySubject: [String: DirectoryUser]
    private let byLoginHint: [String: DirectoryUser]

    /// Creates a directory of these users. A later user with an already-used subject or login hint
    /// replaces the earlier one.
    package init(_ users: [DirectoryUser]) {
        var bySubject: [String: DirectoryUser] = [:]
        var byLoginHint: [String: DirectoryUser] = [:]
        for user in users {
            bySubject[user.subject] = user
            byLoginHint[user.subject] = user
            for hint in user.loginHints { byLoginHint[hint] = user }
        }
        self.bySubject = bySubject
        self.byLoginHint = byLoginHint
    }

    package func user(subject: String) async throws -> DirectoryUser? {
        bySubject[subject]
    }

    package func user(loginHint: String) async throws -> DirectoryUser? {
        byLoginHint[loginHint]
    }
}
