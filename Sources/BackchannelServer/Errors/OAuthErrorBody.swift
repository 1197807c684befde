/// The JSON body of an OAuth error response (RFC 6749 §5.2).
public struct OAuthErrorBody: Codable, Sendable, Hashable {
    /// The `error` code.
    public var error: String
    /// The `error_description`.
    public var errorDescription: String?

    private enum CodingKeys: String, CodingKey {
        case error
        case errorDescription = "error_description"
    }
}
