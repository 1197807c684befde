import Foundation

/// An accepted request the client can now poll for (CIBA Core §7.3).
public struct PendingAuthentication: Sendable, Hashable {
    /// The `auth_req_id`: a bearer secret, never log it.
    public var authReqId: String
    /// When the request expires.
    public var expiresAt: Date
    /// The minimum seconds between polls the provider asked for (5 when it gave none).
    public var interval: Int
}
