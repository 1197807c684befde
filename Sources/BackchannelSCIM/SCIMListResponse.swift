/// A SCIM 2.0 `ListResponse` of User resources (RFC 7644 §3.4.2), as a search answers it.
public struct SCIMListResponse: Decodable, Sendable {
    /// How many resources matched (possibly more than `Resources` holds).
    public var totalResults: Int
    /// The resources of this page.
    public var resources: [SCIMUser]

    private enum CodingKeys: String, CodingKey {
        case totalResults
        case resources = "Resources"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        totalResults = try container.decode(Int.self, forKey: .totalResults)
        // RFC 7644 §3.4.2: Resources may be left out when nothing matched.
        resources = try container.decodeIfPresent([SCIMUser].self, forKey: .resources) ?? []
    }
}
