/// The successful answer of the backchannel authentication endpoint (CIBA Core §7.3).
public struct AuthenticationAcknowledgement: Codable, Sendable, Hashable {
    /// `auth_req_id`.
    public var authReqId: String
    /// `expires_in`, in seconds.
    public var expiresIn: Int
    /// `interval`: the minimum seconds between polls; absent for a push client, which does not poll.
    public var interval: Int?

    private enum CodingKeys: String, CodingKey {
        case authReqId = "auth_req_id"
        case expiresIn = "expires_in"
        case interval
    }
}
