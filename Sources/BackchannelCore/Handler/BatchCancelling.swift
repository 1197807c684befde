/// A handler that withdraws many requests in one write.
///
/// The host's expiry sweep hands every request of a handler that expired since the last sweep to
/// ``cancelAuthenticationRequests(_:)`` when the handler conforms, and to
/// ``BackchannelAuthenticationHandler/cancelAuthenticationRequest(authReqId:)`` one by one otherwise. Conform
/// when your state allows a batch (``PluginStateStore/delete(namespace:keys:)`` deletes many records in one
/// statement), so that under sustained load cancelling keeps pace with arrivals.
public protocol BatchCancelling: Sendable {
    /// Withdraws these requests: the contract of
    /// ``BackchannelAuthenticationHandler/cancelAuthenticationRequest(authReqId:)`` for each (idempotent, a
    /// no-op for an unknown identity), in as few writes as the handler's state allows.
    func cancelAuthenticationRequests(_ authReqIds: [AuthReqId]) async throws
}
