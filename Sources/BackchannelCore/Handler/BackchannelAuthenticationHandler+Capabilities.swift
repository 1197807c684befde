extension BackchannelAuthenticationHandler {
    /// The handler's readiness: what it reports when it is ``ReadinessReporting``, ready otherwise.
    package func currentReadiness() async -> PluginReadiness {
        guard let reporting = self as? any ReadinessReporting else { return .ready }
        return await reporting.readiness()
    }

    /// Withdraws `authReqIds`: in one batch when the handler is ``BatchCancelling``, one by one otherwise.
    package func cancelAll(_ authReqIds: [AuthReqId]) async throws {
        if let batching = self as? any BatchCancelling {
            try await batching.cancelAuthenticationRequests(authReqIds)
        } else {
            for authReqId in authReqIds { try await cancelAuthenticationRequest(authReqId: authReqId) }
        }
    }
}
