/// A plugin's per-request record that concludes at most once.
public protocol ConcludableRecord: Codable, Sendable {
    /// The conclusion, or `nil` while the request is pending.
    var conclusion: RecordedConclusion? { get set }
    /// The result to report to the host, once concluded.
    var result: BackchannelAuthenticationResult? { get }
}

extension PluginStateSlot where Value: ConcludableRecord {
    /// Records a conclusion unless the request already concluded (on this process or another), applying
    /// `change` in the same compare-and-set write, and reports the result to the host if this call won.
    ///
    /// Where the host's sink is a ``RecordConcludingSink`` that can write with this slot's store, the record's
    /// compare-and-set and the host's conclusion are one write.
    /// - Parameters:
    ///   - authReqId: The request, the record's key.
    ///   - conclusion: What to record.
    ///   - sink: Where the result is reported when this call recorded it.
    ///   - leavingGroup: Whether the record leaves its group (a group of pending requests, say).
    ///   - loaded: The record as just read by ``PluginStateSlot/load(_:)``, if it was: the first attempt
    ///     starts from it instead of reading it again.
    ///   - change: Further changes to the record, made in the same write.
    /// - Returns: The concluded record when this call recorded the conclusion; `nil` otherwise.
    @discardableResult
    public func conclude(
        _ authReqId: AuthReqId,
        with conclusion: RecordedConclusion,
        reportingTo sink: any BackchannelCompletionSink,
        leavingGroup: Bool = false,
        from loaded: Loaded? = nil,
        change: (inout Value) -> Void = { _ in }
    ) async throws -> Value? {
        let apply = { (record: Value) -> Value? in
            guard record.conclusion == nil else { return nil }
            var concluded = record
            change(&concluded)
            concluded.conclusion = conclusion
            return concluded
        }
        let combining = sink as? any RecordConcludingSink
        var reported = false
        let concluded = try await update(authReqId.rawValue, from: loaded, movingTo: leavingGroup ? .group(nil) : .keep, apply) {
            replacement, concluded in
            if let combining, let result = concluded.result,
                let replaced = try await combining.authenticationConcluded(authReqId: authReqId, result: result, replacing: replacement, in: store)
            {
                reported = replaced
                return replaced
            }
            return try await store.replace(replacement)
        }
        if !reported, let result = concluded?.result { await sink.authenticationConcluded(authReqId: authReqId, result: result) }
        return concluded
    }
}
