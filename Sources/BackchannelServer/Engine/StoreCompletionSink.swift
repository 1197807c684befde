import BackchannelCore
import Foundation
import Logging

/// Records a handler's report of a conclusion in the store at once, so the next poll answers from the
/// store without asking the handler. The first conclusion wins; later ones are ignored.
///
/// Where the store keeps the plugins' records too (PostgreSQL), a conclusion a plugin records through a
/// ``PluginStateSlot`` is written with its record in one statement (``RecordConcludingSink``).
public struct StoreCompletionSink: RecordConcludingSink {
    private let store: any PendingRequestStore
    private let audit: AuditLog?
    private let outbox: OutboxWakeup?
    private let logger: Logger

    /// Creates a sink writing into `store`, recording each conclusion in `audit` and waking `outbox`'s
    /// service when the client takes a notification; a store that fails is reported on `logger`.
    public init(
        store: any PendingRequestStore, audit: AuditLog? = nil, outbox: OutboxWakeup? = nil, logger: Logger = Logger(label: "backchannel.engine")
    ) {
        self.store = store
        self.audit = audit
        self.outbox = outbox
        self.logger = logger
    }

    public func authenticationConcluded(authReqId: AuthReqId, result: BackchannelAuthenticationResult) async {
        // The request as concluded comes back with the conclusion: how long the user took is a metric.
        let concluded: PendingRequest?
        do {
            concluded = try await store.concludeReturningRequest(authReqIdHash: authReqId.rawValue, result: result)
        } catch {
            // Not lost: the handler keeps its conclusion, and the next poll asks it. But the operator must know.
            logger.error(
                "recording a conclusion in the store failed; the next poll asks the authenticator",
                metadata: ["auth_req_id_sha256": "\(authReqId)", "error": "\(error)"])
            return
        }
        guard let request = concluded else { return }
        recorded(request)
    }

    public func authenticationConcluded(
        authReqId: AuthReqId, result: BackchannelAuthenticationResult, replacing replacement: PluginStateReplacement, in records: any PluginStateStore
    ) async throws -> Bool? {
        guard store.concludes(withRecordsIn: records) else { return nil }
        // A failure is the plugin's to see, as its own compare-and-set's would be: neither was written.
        guard let written = try await store.concludeReturningRequest(authReqIdHash: authReqId.rawValue, result: result, replacing: replacement, in: records)
        else { return nil }
        if let request = written.concluded { recorded(request) }
        return written.replaced
    }

    /// What follows a conclusion the store recorded: the outbox woken for a notification, metrics, audit.
    private func recorded(_ request: PendingRequest) {
        if request.notification != nil { outbox?.signal() }
        let now = Date()
        ConclusionMetrics.concluded(request, as: request.state, at: now)
        audit?.concluded(request, as: request.state, at: now)
    }
}
