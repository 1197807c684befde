import BackchannelCore
import Foundation

/// A push notification waiting on a simulated device: what a user would see.
public struct MockPushNotification: Sendable, Hashable {
    /// The request it belongs to.
    public var authReqId: AuthReqId
    /// The user it was sent to.
    public var subject: String
    /// The client's display name, or its id.
    public var clientName: String
    /// The requested scopes.
    public var scopes: [String]
    /// The binding message to compare with the one the client shows.
    public var bindingMessage: String?
    /// When it arrived.
    public var receivedAt: Date
    /// When the request expires.
    public var expiresAt: Date
    /// What the user is asked to approve beyond the scopes (RFC 9396), each entry with its summary.
    public var authorizationDetails: AuthorizationDetails = .none
}
