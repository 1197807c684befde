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
    /// `test_deployment`: the operator's statement that this server is a test deployment, which lets the
    /// simulator run on a server reachable from other machines. Off by default: anyone who reaches the
    /// simulated device's page can approve any user's request.
    public var testDeployment: Bool

    /// Creates a configuration.
    public init(users: [String: MockPushScript], testDeployment: Bool = false) {
        self.users = users
        self.testDeployment = testDeployment
    }

    private enum CodingKeys: String, CodingKey, CaseIterable { case users, testDeployment }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.users = try container.decode([String: MockPushScript].self, forKey: .users)
        self.testDeployment = try container.decodeIfPresent(Bool.self, forKey: .testDeployment) ?? false
    }
}
