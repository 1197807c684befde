import BackchannelCore

/// The obligations every `BackchannelAuthenticationHandler` must meet, checked
/// against a live handler. Every authenticator's own tests run these:
///
/// ```swift
/// let violations = await BackchannelHandlerContract.violations(of: handler, harness: harness, hint: .loginHint("alice"))
/// #expect(violations.isEmpty)
/// ```
public enum BackchannelHandlerContract {
    /// The obligations, by name.
    public static let checks = [
        "unknown authReqId has no status",
        "duplicate start is rejected",
        "status after cancel is nil",
        "cancel is idempotent",
        "cancel of an unknown authReqId is a no-op",
        "a batch cancel withdraws every request in it, unknown ones included",
        "a request-scoped handler keeps a request's state only under its key, in the namespaces it declares",
    ]

    /// Runs every check against `handler`, each with a new request for `hint`, which must name a user
    /// the handler can start authenticating.
    /// - Returns: The violations found; empty when the handler honours the contract.
    public static func violations(
        of handler: some BackchannelAuthenticationHandler,
        harness: BackchannelHandlerHarness,
        hint: BackchannelHint
    ) async -> [ContractViolation] {
        var violations: [ContractViolation] = []
        func fail(_ check: Int, _ detail: String) {
            violations.append(ContractViolation(check: checks[check], detail: detail))
        }

        // Unknown id → nil.
        do {
            if let status = try await handler.checkAuthenticationStatus(authReqId: harness.makeAuthReqId()) {
                fail(0, "returned \(status)")
            }
        } catch {
            fail(0, "threw \(error)")
        }

        // Duplicate start → BackchannelHandlerError.duplicateAuthReqId.
        let duplicate = harness.makeRequest(hint: hint)
        do {
            let first = try await harness.start(handler, duplicate)
            if first != .started {
                fail(1, "the first start answered \(first); the hint must name a user the handler can reach")
            } else {
                do {
                    let second = try await harness.start(handler, duplicate)
                    fail(1, "the second start answered \(second) instead of throwing")
                } catch let error as BackchannelHandlerError where error.code == .duplicateAuthReqId && error.authReqId == duplicate.authReqId {
                } catch {
                    fail(1, "the second start threw \(error), not duplicateAuthReqId")
                }
            }
            try await handler.cancelAuthenticationRequest(authReqId: duplicate.authReqId)
        } catch {
            fail(1, "threw \(error)")
        }

        // Status after cancel → nil; cancelling twice and cancelling the unknown do not throw.
        let cancelled = harness.makeRequest(hint: hint)
        do {
            _ = try await harness.start(handler, cancelled)
            try await handler.cancelAuthenticationRequest(authReqId: cancelled.authReqId)
            if let status = try await handler.checkAuthenticationStatus(authReqId: cancelled.authReqId) {
                fail(2, "returned \(status)")
            }
        } catch {
            fail(2, "threw \(error)")
        }
        do {
            try await handler.cancelAuthenticationRequest(authReqId: cancelled.authReqId)
        } catch {
            fail(3, "the second cancel threw \(error)")
        }
        do {
            try await handler.cancelAuthenticationRequest(authReqId: harness.makeAuthReqId())
        } catch {
            fail(4, "threw \(error)")
        }

        // A batch cancel (the expiry sweep's) withdraws each of its requests; an unknown one is skipped.
        let batch = [harness.makeRequest(hint: hint), harness.makeRequest(hint: hint)]
        do {
            for request in batch { _ = try await harness.start(handler, request) }
            try await handler.cancelAll(batch.map(\.authReqId) + [harness.makeAuthReqId()])
            for request in batch {
                if let status = try await handler.checkAuthenticationStatus(authReqId: request.authReqId) {
                    fail(5, "a request of the batch still reports \(status)")
                }
            }
        } catch {
            fail(5, "threw \(error)")
        }

        // RequestScopedRecords: a redemption deletes the declared records and nothing else, so a request's start
        // must write nowhere else (in the harness's store, which lists its records).
        if let scoped = handler as? any RequestScopedRecords, let store = harness.services.stateStore as? InMemoryPluginStateStore {
            let request = harness.makeRequest(hint: hint)
            do {
                let before = store.keys()
                _ = try await harness.start(handler, request)
                let declared = Set(scoped.requestRecordNamespaces)
                let elsewhere = store.keys().subtracting(before).filter { !(declared.contains($0[0]) && $0[1] == request.authReqId.rawValue) }
                if !elsewhere.isEmpty {
                    fail(6, "a start wrote records a redemption would leave behind: \(elsewhere.map { "\($0[0])/\($0[1])" }.sorted())")
                }
                try await handler.cancelAuthenticationRequest(authReqId: request.authReqId)
            } catch {
                fail(6, "threw \(error)")
            }
        }
        return violations
    }
}
