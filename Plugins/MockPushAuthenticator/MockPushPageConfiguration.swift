/// The simulated device page's configuration.
public struct MockPushPageConfiguration: Decodable, Sendable, Hashable {
    /// The page's heading.
    public var title: String

    /// Creates a configuration.
    public init(title: String = "Mock push device") {
        self.title = title
    }

    private enum CodingKeys: String, CodingKey, CaseIterable { case title }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.title = try container.decodeIfPresent(String.self, forKey: .title) ?? "Mock push device"
    }
}
