/// A handler whose state of a request is records under the request's key (``AuthReqId/rawValue``) in the
/// host's plugin-state store, in namespaces of its own, which the request's end only has to delete.
///
/// When a request is redeemed, the host deletes these records itself, in the redemption's own write where its
/// stores allow it (PostgreSQL: the request, its limits and the records in one statement), and then calls
/// ``requestRedeemed(authReqId:)`` instead of
/// ``BackchannelAuthenticationHandler/cancelAuthenticationRequest(authReqId:)``. Everywhere else (a store
/// that cannot, a cancellation, an expiry) the host calls `cancelAuthenticationRequest` as before, which must
/// still delete them.
///
/// Declare it only when nothing else is tied to the request's end: records under other keys (a link's
/// secret), a message to retract, a device to tell.
public protocol RequestScopedRecords: BackchannelAuthenticationHandler {
    /// The namespaces holding a record under each request's key that ends with the request.
    var requestRecordNamespaces: [String] { get }

    /// Tells the handler that a request was redeemed and its records deleted: forget what this process keeps
    /// of it in memory (a timer, say). The default does nothing.
    func requestRedeemed(authReqId: AuthReqId) async
}

extension RequestScopedRecords {
    /// Does nothing: the handler keeps nothing of a request in memory.
    public func requestRedeemed(authReqId: AuthReqId) async {}
}
