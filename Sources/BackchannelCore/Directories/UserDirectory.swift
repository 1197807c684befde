/// The host's directory of users, through which authenticators resolve hints to reachable users.
public protocol UserDirectory: Sendable {
    /// The user whose subject identifier is `subject`, or `nil`.
    func user(subject: String) async throws -> DirectoryUser?

    /// The user a `login_hint` names (their subject or one of their other login hints), or `nil`.
    func user(loginHint: String) async throws -> DirectoryUser?
}

extension UserDirectory {
    /// The user a hint names: by login hint, or by an ID token hint's subject; `nil` for a
    /// `login_hint_token`, which only a handler that understands it can resolve.
    public func user(for hint: BackchannelHint) async throws -> DirectoryUser? {
        switch hint {
        case .loginHint(let loginHint): try await user(loginHint: loginHint)
        case .idTokenHint(let subject, _): try await user(subject: subject)
        case .loginHintToken: nil
        }
    }
}
