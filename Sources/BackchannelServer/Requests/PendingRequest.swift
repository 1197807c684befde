import BackchannelCore
import Foundation

/// A backchannel authentication request as the store keeps it. The `auth_req_id` itself is never
/// stored: only ``authReqIdHash``, its SHA-256.
public struct PendingRequest: Sendable, Hashable {
    /// The base64url SHA-256 of the `auth_req_id`: the store's key, and the identity plugins see.
    public var authReqIdHash: String
    /// The client that started it; only this client may redeem it.
    public var clientId: String
    /// The authenticator instance handling it.
    public var authenticator: String
    /// The granted scopes.
    public var scopes: [String]
    /// The `acr` to assert when the authenticator asserts none.
    public var acr: String
    /// When it was accepted.
    public var createdAt: Date
    /// When it expires.
    public var expiresAt: Date
    /// The current minimum seconds between polls; grows by 5 with every `slow_down`.
    public var interval: Int
    /// Where it stands.
    public var state: PendingRequestState
    /// The individual claims the client asked for with the `claims` parameter.
    public var claims: RequestedClaims
    /// Where and how to notify a ping or push client; `nil` in poll mode.
    public var notification: ClientNotification?
    /// The user the hint resolved to when the request started, if the user directory knew them: for
    /// operators (the admin API lists a user's requests) and the audit trail, never for tokens, whose
    /// subject is what the authenticator asserts.
    public var subject: String?
    /// The approved `authorization_details` (RFC 9396) as canonical JSON (``AuthorizationDetails/canonicalJSON``),
    /// which the tokens carry; empty when the request has none.
    public var authorizationDetails: String

    /// Creates a record in the pending state.
    public init(
        authReqIdHash: String,
        clientId: String,
        authenticator: String,
        scopes: [String],
        acr: String,
        createdAt: Date,
        expiresAt: Date,
        interval: Int,
        state: PendingRequestState = .pending,
        claims: RequestedClaims = .none,
        notification: ClientNotification? = nil,
        subject: String? = nil,
        authorizationDetails: String = ""
    ) {
        self.authReqIdHash = authReqIdHash
        self.clientId = clientId
        self.authenticator = authenticator
        self.scopes = scopes
        self.acr = acr
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.interval = interval
        self.state = state
        self.claims = claims
        self.notification = notification
        self.subject = subject
        self.authorizationDetails = authorizationDetails
    }
}
