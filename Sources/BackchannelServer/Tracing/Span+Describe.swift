import Tracing

extension Span {
    /// Sets what every endpoint span says: the OAuth outcome (`success` or the error code) and the
    /// authenticated client, and marks a failed span so that a trace viewer shows it.
    func describe(outcome: String, client: String?) {
        attributes["backchannel.outcome"] = outcome
        if let client { attributes["oauth.client_id"] = client }
        if outcome != "success" { setStatus(SpanStatus(code: .error, message: outcome)) }
    }
}
