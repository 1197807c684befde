import BackchannelCore
import BackchannelServer
import Foundation
import PostgresNIO

/// Writes that end up in one statement because the engine's requests, its limits and the plugins' records are
/// one database: an authenticator's conclusion with its record's compare-and-set, a redemption with what the
/// request held. Each is taken only when the other store named is this one; otherwise the caller writes
/// separately.
extension PostgresStore {
    /// When `records` is this store.
    public func concludes(withRecordsIn records: any PluginStateStore) -> Bool {
        (records as? PostgresStore) === self
    }

    /// One statement when `records` is this store (``ConcludeWithRecordStatement``); `nil` otherwise.
    public func concludeReturningRequest(
        authReqIdHash: String, result: BackchannelAuthenticationResult, replacing replacement: PluginStateReplacement, in records: any PluginStateStore
    ) async throws -> (replaced: Bool, concluded: PendingRequest?)? {
        guard concludes(withRecordsIn: records) else { return nil }
        defer {
            pollCache.forget(authReqIdHash)
            pollCache.forget(replacement.key)
        }
        let state = PendingRequestState(result: result)
        let statement = ConcludeWithRecordStatement(
            state: StoredOutcome.name(of: state), outcome: StoredOutcome.document(of: state), authReqIdHash: authReqIdHash,
            value: replacement.value, group: replacement.group, namespace: replacement.namespace, key: replacement.key,
            expected: replacement.expected, now: clock.now.timeIntervalSince1970)
        for row in try await client.execute(statement, logger: logger) {
            let cells = row.makeRandomAccess()
            let replaced = try cells[Self.columnCount].decode(Bool.self)
            guard try cells[0].decode(String?.self) != nil else { return (replaced, nil) }
            return (replaced, try Self.decode(row))
        }
        return (false, nil)
    }

    /// One statement when the leftovers are this store's own (its limits, its plugin-state records); the
    /// plain redemption, ending none, otherwise.
    public func redeem(authReqIdHash: String, clientId: String, now: Date, ending leftovers: RedemptionLeftovers) async throws
        -> (request: PendingRequest?, endedLeftovers: Bool)
    {
        let ownLimits = leftovers.limits.map { ($0 as? PostgresLimits) === limits } ?? true
        let ownRecords = leftovers.recordNamespaces.isEmpty || leftovers.records.map { ($0 as? PostgresStore) === self } ?? false
        guard ownLimits, ownRecords else { return (try await redeem(authReqIdHash: authReqIdHash, clientId: clientId, now: now), false) }
        defer { pollCache.forget(authReqIdHash) }
        let statement = RedeemEndingStatement(
            authReqIdHash: authReqIdHash, clientId: clientId, now: now.timeIntervalSince1970, namespaces: leftovers.recordNamespaces,
            releasingLimits: leftovers.limits != nil)
        guard let redeemed = try await first(client.execute(statement, logger: logger)) else { return (nil, false) }
        return (redeemed, true)
    }
}
