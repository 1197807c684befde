/// What the server needs to notify a ping or push client of a request's outcome (CIBA Core §10.2,
/// §10.3), kept with the request.
///
/// The `auth_req_id` itself is kept here, unlike for poll requests, because the notification names it.
/// It alone still redeems nothing: a ping client authenticates at the token endpoint, and a push
/// client's requests are never redeemed there.
public struct ClientNotification: Sendable, Hashable {
    /// `ping` or `push`.
    public var mode: TokenDeliveryMode
    /// The `auth_req_id` the client was given.
    public var authReqId: String
    /// The `client_notification_token`, sent back as the bearer token.
    public var token: String

    /// Creates the record.
    public init(mode: TokenDeliveryMode, authReqId: String, token: String) {
        self.mode = mode
        self.authReqId = authReqId
        self.token = token
    }
}
