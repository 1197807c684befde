/// A completion sink that records a conclusion in the same write as the authenticator's record of it, where
/// the host keeps its requests and the plugins' records in one database (PostgreSQL): one statement where
/// there were two round trips.
///
/// ``PluginStateSlot/conclude(_:with:reportingTo:leavingGroup:from:change:)`` uses it whenever the host's sink
/// offers it, so a plugin that concludes through a slot has nothing to do. A plugin that writes its records
/// itself may do the same: try this first, and fall back to replacing and reporting when it returns `nil`.
public protocol RecordConcludingSink: BackchannelCompletionSink {
    /// Replaces a record by compare-and-set and, when it was replaced, records that `authReqId` concluded with
    /// `result`: both or neither, in one write.
    /// - Parameters:
    ///   - authReqId: The concluded request.
    ///   - result: Its outcome.
    ///   - replacement: The record's compare-and-set that records the conclusion in the plugin's state.
    ///   - store: The store the record is in.
    /// - Returns: `nil` when this sink cannot write together with `store` (nothing was done: replace the record
    ///   and report as usual); otherwise whether the record was replaced, and so the conclusion recorded and
    ///   reported as ``BackchannelCompletionSink/authenticationConcluded(authReqId:result:)`` reports it.
    func authenticationConcluded(
        authReqId: AuthReqId, result: BackchannelAuthenticationResult, replacing replacement: PluginStateReplacement, in store: any PluginStateStore
    ) async throws -> Bool?
}
