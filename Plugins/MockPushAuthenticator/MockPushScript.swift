import BackchannelCore
/// What one simulated user's device does when a push arrives.
public struct MockPushScript: Decodable, Sendable, Hashable {
    /// The device's answer.
    public enum Action: String, Codable, Sendable, Hashable, ConfigurationEnum {
        /// The user approves.
        case approve
        /// The user refuses.
        case deny
        /// The user never answers (the request can still be answered on the device page).
        case silent
        /// The device fails (the authentication concludes as failed).
        case fail
    }

    /// The device's answer.
    public var action: Action
    /// How long after the push the answer comes, in seconds; ignored for ``Action/silent``.
    public var afterSeconds: Double

    /// Creates a script.
    public init(action: Action, afterSeconds: Double = 0) {
        self.action = action
        self.afterSeconds = afterSeconds
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case action, afterSeconds
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.action = try container.decode(Action.self, forKey: .action)
        self.afterSeconds = try container.decodeIfPresent(Double.self, forKey: .afterSeconds) ?? 0
        guard afterSeconds >= 0, afterSeconds.isFinite else {
            throw DecodingError.dataCorruptedError(forKey: .afterSeconds, in: container, debugDescription: "must be a non-negative number of seconds")
        }
    }
}
