/// One entry of a request's `authorization_details` (RFC 9396): a concrete action the user is asked to
/// approve, such as a payment, as the server validated it, with the text that describes it to the user.
/// Added in 1.3.
public struct AuthorizationDetail: Sendable, Hashable {
    /// The entry's `type`, one the server is configured to accept.
    public var type: String
    /// The whole entry as the client sent it (its `type` among the members), valid against its type's schema.
    public var fields: [String: JSONValue]
    /// What the user is shown: the type's summary template rendered with the entry's fields, as plain text
    /// on one line (an authenticator escapes it for HTML itself).
    public var summary: String

    /// Creates an entry.
    public init(type: String, fields: [String: JSONValue], summary: String) {
        self.type = type
        self.fields = fields
        self.summary = summary
    }
}
