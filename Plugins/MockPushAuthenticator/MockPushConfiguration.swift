/// The mock push authenticator's configuration: how each simulated user's device behaves.
///
/// ```yaml
/// users:
///   alice: { action: approve, after_seconds: 2 }
///   bob: { action: deny, after_seconds: 1 }
///   carol: { action: silent }
/// ```
public struct MockPushConfiguration: Decodable, Sendable, Hashable {
    /// The scripted users, by subject. A subject not listed here is an unknown user.
    public var users: [String: MockPushScript]

    /// Creates a configuration.
    public init(users: [String: MockPushScript]) {
        self.users = users
    }

    private enum CodingKeys: String, CodingKey, CaseIterable { case users }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        self.users = try decoder.container(keyedBy: CodingKeys.self).decode([String: MockPushScript].self, forKey: .users)
    }
}
