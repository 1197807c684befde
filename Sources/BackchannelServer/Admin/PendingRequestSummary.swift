import Foundation

/// A pending request as the admin API shows it: everything an operator needs to recognise it, nothing
/// that redeems it (the store keeps no `auth_req_id`, only its hash).
public struct PendingRequestSummary: Codable, Sendable, Hashable {
    /// The request's store key (base64url SHA-256 of its `auth_req_id`): what audit events show the start of,
    /// and what the cancel call takes.
    public var authReqIdSha256: String
    /// The client that asked.
    public var clientId: String
    /// The user, when the hint named one the directory knows.
    public var subject: String?
    /// The authenticator reaching the user.
    public var authenticator: String
    /// The granted scopes.
    public var scopes: [String]
    /// The authentication context class.
    public var acr: String
    /// When it started (RFC 3339 in JSON).
    public var createdAt: Date
    /// When it expires (RFC 3339 in JSON).
    public var expiresAt: Date
    /// `poll`, `ping` or `push`.
    public var deliveryMode: String

    init(_ request: PendingRequest) {
        authReqIdSha256 = request.authReqIdHash
        clientId = request.clientId
        subject = request.subject
        authenticator = request.authenticator
        scopes = request.scopes
        acr = request.acr
        createdAt = request.createdAt
        expiresAt = request.expiresAt
        deliveryMode = request.notification?.mode.rawValue ?? TokenDeliveryMode.poll.rawValue
    }

    private enum CodingKeys: String, CodingKey {
        case authReqIdSha256 = "auth_req_id_sha256", clientId = "client_id", subject, authenticator, scopes, acr
        case createdAt = "created_at", expiresAt = "expires_at", deliveryMode = "delivery_mode"
    }
}
