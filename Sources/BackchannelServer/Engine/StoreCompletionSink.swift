import BackchannelCore

/// Records a handler's report of a conclusion in the store at once, so the next poll answers from the
/// store without asking the handler. The first conclusion wins; later ones are ignored.
public struct StoreCompletionSink: BackchannelCompletionSink {
    private let store: any PendingRequestStore

    /// Creates a sink writing into `store`.
    public init(store: any PendingRequestStore) {
        self.store = store
    }

    public func authenticationConcluded(authReqId: AuthReqId, result: BackchannelAuthenticationResult) async {
        _ = try? await store.conclude(authReqIdHash: authReqId.rawValue, result: result)
    }
}
