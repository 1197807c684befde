import BackchannelCore
import Foundation

/// Where pending requests live. Every method is one atomic state transition, so an implementation on
/// a shared database (SQLite, PostgreSQL) keeps the guarantees across processes: redemption happens
/// exactly once, and each expired request is claimed for cancellation exactly once.
///
/// Every method must cost O(1) in the number of stored requests, except ``claimExpired(now:limit:)``,
/// which may cost O(k log n) for the k requests it returns.
public protocol PendingRequestStore: Sendable {
    /// Stores a new request. - Throws: when the hash is already present.
    func insert(_ request: PendingRequest) async throws

    /// Stores a new request if it passes `admission` in `limits`: in one round trip where `limits` is the
    /// store itself (PostgreSQL: the limits' function and the insert in one statement, one transaction).
    /// The default asks `limits`, then inserts.
    /// - Returns: the verdict; the request was stored only when it is ``LimitVerdict/admitted``.
    /// - Throws: ``LimitStoreFailure`` when the limits could not be asked; else what storing threw (the
    ///   member may stay counted: release it).
    func insert(_ request: PendingRequest, admitting admission: LimitAdmission, in limits: any LimitStore, now: Date) async throws -> LimitVerdict

    /// Stores many new requests at once (imports, benchmarks); SQL stores use one transaction.
    func insert(contentsOf requests: [PendingRequest]) async throws

    /// The request with this hash, if any.
    func request(authReqIdHash: String) async throws -> PendingRequest?

    /// The request a poll names, read for the token endpoint, and the scope the status check that follows
    /// runs in, if the store read ahead for it (``StatusCheckScope``). Writes nothing: the engine paces polls
    /// itself. The default reads the request and nothing ahead.
    func pollRead(authReqIdHash: String) async throws -> (request: PendingRequest?, statusCheckScope: (any StatusCheckScope)?)

    /// Grows the interval of a pending request by `seconds` (a `slow_down`, CIBA Core §11).
    /// - Returns: the grown interval; `nil` when the request is no longer pending.
    func growInterval(authReqIdHash: String, by seconds: Int) async throws -> Int?

    /// Moves a pending request to the state `result` gives; for a request with a
    /// ``PendingRequest/notification``, puts the notification in the outbox in the same atomic step.
    /// - Returns: `false` when it was not pending (already concluded, expired, or unknown).
    func conclude(authReqIdHash: String, result: BackchannelAuthenticationResult) async throws -> Bool

    /// ``conclude(authReqIdHash:result:)``, returning the request as concluded (`nil` when it was not
    /// pending) in the same round trip where the store can. The default reads it back after.
    func concludeReturningRequest(authReqIdHash: String, result: BackchannelAuthenticationResult) async throws -> PendingRequest?

    /// ``concludeReturningRequest(authReqIdHash:result:)`` in the same write as the compare-and-set of an
    /// authenticator's record in `records` (``RecordConcludingSink``): the request concludes only if the record
    /// was replaced, and the record is replaced whether or not the request was still pending.
    /// - Returns: `nil` when this store cannot write together with `records` (nothing was done; the default);
    ///   otherwise whether the record was replaced, and the request as concluded (`nil` when it was not pending
    ///   or the record was not replaced).
    func concludeReturningRequest(
        authReqIdHash: String, result: BackchannelAuthenticationResult, replacing replacement: PluginStateReplacement, in records: any PluginStateStore
    ) async throws -> (replaced: Bool, concluded: PendingRequest?)?

    /// Whether ``concludeReturningRequest(authReqIdHash:result:replacing:in:)`` writes together with `records`
    /// (asked first, so that a store that cannot is not called, timed or traced for nothing). The default: no.
    func concludes(withRecordsIn records: any PluginStateStore) -> Bool

    /// Redeems an approved, unexpired request of `clientId` and deletes it.
    /// - Returns: the request as it was approved, to the one caller that won; `nil` to every other.
    func redeem(authReqIdHash: String, clientId: String, now: Date) async throws -> PendingRequest?

    /// ``redeem(authReqIdHash:clientId:now:)``, ending `leftovers` in the same write where they are this
    /// store's own (PostgreSQL: its limits and its plugin-state records, one statement): all of them, or none.
    /// - Returns: the redeemed request, and whether the leftovers were ended (always `false` when nothing was
    ///   redeemed; the default redeems and ends none).
    func redeem(authReqIdHash: String, clientId: String, now: Date, ending leftovers: RedemptionLeftovers) async throws
        -> (request: PendingRequest?, endedLeftovers: Bool)

    /// Deletes a request whatever its state (a start that failed).
    func remove(authReqIdHash: String) async throws

    /// Marks up to `limit` unredeemed requests whose expiry has passed as expired, and returns them:
    /// each to exactly one caller. Also purges requests expired longer ago than the retention. A push
    /// request that expires before anything was notified gets its expiry notification in the outbox.
    func claimExpired(now: Date, limit: Int) async throws -> [PendingRequest]

    /// Claims up to `limit` outbox notifications due at `now` and not claimed by another delivery whose
    /// lease still runs, leasing them until `now + lease`: a node that dies mid-delivery lets its claims
    /// go when the lease ends. Notifications of `excludingClients` are left for later (the deliverer has as
    /// many of theirs under way as it allows), and at most `perClient` of any one client are claimed at once:
    /// claiming more of one client's would only hold up everyone else's. Cost: O(d) for the d
    /// notifications due.
    func claimNotifications(
        now: Date, limit: Int, lease: TimeInterval, excludingClients: Set<String>, perClient: Int
    ) async throws -> [DueNotification]

    /// Fixes a push notification's payload the first time; later calls get the first one back, so every
    /// retry (on any node) sends the same tokens.
    func fixNotificationPayload(authReqIdHash: String, payload: Data) async throws -> Data

    /// Records how a delivery attempt ended.
    func recordNotificationAttempt(authReqIdHash: String, outcome: NotificationAttemptOutcome) async throws

    /// How many requests are pending, by authenticator: for the metrics, read now and then, not per
    /// request (it may cost O(n)).
    func pendingCounts() async throws -> [String: Int]

    /// The pending requests for `subject` and of `clientId` (a `nil` filter matches every one), oldest first,
    /// at most `limit`: for operators (the admin API). SQL stores answer from an index over pending rows;
    /// the memory store looks at every request.
    func pendingRequests(subject: String?, clientId: String?, limit: Int) async throws -> [PendingRequest]
}

extension PendingRequestStore {
    /// Reads the request and nothing ahead.
    public func pollRead(authReqIdHash: String) async throws -> (request: PendingRequest?, statusCheckScope: (any StatusCheckScope)?) {
        (try await request(authReqIdHash: authReqIdHash), nil)
    }

    /// Asks the limits, then inserts (``insertAfterAsking(_:admitting:in:now:)``).
    public func insert(_ request: PendingRequest, admitting admission: LimitAdmission, in limits: any LimitStore, now: Date) async throws -> LimitVerdict {
        try await insertAfterAsking(request, admitting: admission, in: limits, now: now)
    }

    /// The default of ``insert(_:admitting:in:now:)``, for a store that answers in one round trip only with
    /// its own limits: asks `limits`, then inserts when admitted.
    public func insertAfterAsking(_ request: PendingRequest, admitting admission: LimitAdmission, in limits: any LimitStore, now: Date) async throws -> LimitVerdict {
        let verdict: LimitVerdict
        do {
            verdict = try await limits.admit(admission, now: now)
        } catch {
            throw LimitStoreFailure(error)
        }
        if verdict == .admitted { try await insert(request) }
        return verdict
    }

    /// Claims due notifications of every client.
    public func claimNotifications(now: Date, limit: Int, lease: TimeInterval) async throws -> [DueNotification] {
        try await claimNotifications(now: now, limit: limit, lease: lease, excludingClients: [], perClient: limit)
    }

    /// Concludes, then reads the request back.
    public func concludeReturningRequest(authReqIdHash: String, result: BackchannelAuthenticationResult) async throws -> PendingRequest? {
        guard try await conclude(authReqIdHash: authReqIdHash, result: result) else { return nil }
        return try await request(authReqIdHash: authReqIdHash)
    }

    /// Cannot.
    public func concludes(withRecordsIn records: any PluginStateStore) -> Bool { false }

    /// Cannot: nothing is written.
    public func concludeReturningRequest(
        authReqIdHash: String, result: BackchannelAuthenticationResult, replacing replacement: PluginStateReplacement, in records: any PluginStateStore
    ) async throws -> (replaced: Bool, concluded: PendingRequest?)? {
        nil
    }

    /// Redeems, and leaves the leftovers to the caller.
    public func redeem(authReqIdHash: String, clientId: String, now: Date, ending leftovers: RedemptionLeftovers) async throws
        -> (request: PendingRequest?, endedLeftovers: Bool)
    {
        (try await redeem(authReqIdHash: authReqIdHash, clientId: clientId, now: now), false)
    }

    /// Inserts one at a time.
    public func insert(contentsOf requests: [PendingRequest]) async throws {
        for request in requests { try await insert(request) }
    }
}
