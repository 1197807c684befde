import BackchannelCore
import Foundation
import HeapModule

/// A store in this process's memory: the default for tests and single-node demos.
///
/// Requests are spread over independently locked shards, so concurrent polls of different requests
/// rarely contend, and no lock is global. Each shard keeps a min-heap of deadlines, so finding expired
/// requests never scans the pending ones.
public final class InMemoryPendingRequestStore: PendingRequestStore {
    private struct Deadline: Comparable {
        var at: Date
        var authReqIdHash: String
        static func < (lhs: Deadline, rhs: Deadline) -> Bool { lhs.at < rhs.at }
        static func == (lhs: Deadline, rhs: Deadline) -> Bool { lhs.at == rhs.at && lhs.authReqIdHash == rhs.authReqIdHash }
    }

    /// A notification in the outbox, or what became of it.
    private struct Outbox {
        enum State { case due, delivered, failed }
        var state: State = .due
        var at: Date = .distantPast
        var attempts = 0
        var claimedUntil: Date?
        var payload: Data?
    }

    private struct Shard {
        var requests: [String: PendingRequest] = [:]
        // Expiry deadlines of live requests, then purge deadlines of expired ones.
        var deadlines = Heap<Deadline>()
        // Notifications by request; those due are few, so a claim scans only them.
        var outbox: [String: Outbox] = [:]
        var due: Set<String> = []

        mutating func enqueueNotification(_ hash: String) {
            outbox[hash] = Outbox()
            due.insert(hash)
        }

        mutating func forget(_ hash: String) {
            requests[hash] = nil
            outbox[hash] = nil
            due.remove(hash)
        }
    }

    private struct DuplicateRequest: Error {}

    private let shards: ShardedMutex<Shard>
    private let retention: TimeInterval

    /// Creates an empty store.
    /// - Parameters:
    ///   - expiredRequestRetention: how long expired requests are kept to answer `expired_token`.
    ///   - shardCount: how many independently locked parts the store has.
    public init(expiredRequestRetention: TimeInterval = 600, shardCount: Int = 64) {
        self.retention = expiredRequestRetention
        self.shards = ShardedMutex(shardCount: shardCount) { Shard() }
    }

    /// How many requests are stored, in every state.
    public var count: Int {
        var total = 0
        shards.forEachShard { total += $0.requests.count }
        return total
    }

    public func insert(_ request: PendingRequest) async throws {
        try shards.withLock(for: request.authReqIdHash) { shard in
            guard shard.requests[request.authReqIdHash] == nil else { throw DuplicateRequest() }
            shard.requests[request.authReqIdHash] = request
            shard.deadlines.insert(Deadline(at: request.expiresAt, authReqIdHash: request.authReqIdHash))
        }
    }

    public func request(authReqIdHash: String) async throws -> PendingRequest? {
        shards.withLock(for: authReqIdHash) { $0.requests[authReqIdHash] }
    }

    public func growInterval(authReqIdHash: String, by seconds: Int) async throws -> Int? {
        shards.withLock(for: authReqIdHash) { shard in
            guard shard.requests[authReqIdHash]?.state == .pending else { return nil }
            shard.requests[authReqIdHash]?.interval += seconds
            return shard.requests[authReqIdHash]?.interval
        }
    }

    public func conclude(authReqIdHash: String, result: BackchannelAuthenticationResult) async throws -> Bool {
        shards.withLock(for: authReqIdHash) { shard in
            guard let request = shard.requests[authReqIdHash], request.state == .pending else { return false }
            shard.requests[authReqIdHash]?.state = PendingRequestState(result: result)
            if request.notification != nil { shard.enqueueNotification(authReqIdHash) }
            return true
        }
    }

    public func redeem(authReqIdHash: String, clientId: String, now: Date) async throws -> PendingRequest? {
        shards.withLock(for: authReqIdHash) { shard in
            guard let request = shard.requests[authReqIdHash], request.clientId == clientId,
                case .approved = request.state, now < request.expiresAt
            else { return nil }
            shard.forget(authReqIdHash)
            return request
        }
    }

    public func remove(authReqIdHash: String) async throws {
        shards.withLock(for: authReqIdHash) { $0.forget(authReqIdHash) }
    }

    public func claimExpired(now: Date, limit: Int) async throws -> [PendingRequest] {
        var claimed: [PendingRequest] = []
        shards.forEachShard { shard in
            while claimed.count < limit, let next = shard.deadlines.min, next.at <= now {
                shard.deadlines.removeMin()
                guard var request = shard.requests[next.authReqIdHash] else { continue }  // redeemed or removed
                if request.state == .expired {
                    shard.forget(next.authReqIdHash)  // retention over: purge
                } else {
                    // A push client hears of the expiry, unless it was told of an outcome already.
                    if request.notification?.mode == .push, shard.outbox[next.authReqIdHash] == nil {
                        shard.enqueueNotification(next.authReqIdHash)
                    }
                    request.state = .expired
                    shard.requests[next.authReqIdHash] = request
                    shard.deadlines.insert(Deadline(at: request.expiresAt.addingTimeInterval(retention), authReqIdHash: next.authReqIdHash))
                    claimed.append(request)
                }
            }
        }
        return claimed
    }

    public func claimNotifications(
        now: Date, limit: Int, lease: TimeInterval, excludingClients: Set<String>, perClient: Int
    ) async throws -> [DueNotification] {
        var claimed: [DueNotification] = []
        var byClient: [String: Int] = [:]
        shards.forEachShard { shard in
            for hash in shard.due where claimed.count < limit {
                guard var entry = shard.outbox[hash], let request = shard.requests[hash], entry.at <= now,
                    entry.claimedUntil.map({ $0 <= now }) ?? true, !excludingClients.contains(request.clientId),
                    byClient[request.clientId, default: 0] < perClient
                else { continue }
                byClient[request.clientId, default: 0] += 1
                entry.claimedUntil = now.addingTimeInterval(lease)
                shard.outbox[hash] = entry
                claimed.append(DueNotification(request: request, attempts: entry.attempts, payload: entry.payload))
            }
        }
        return claimed.sorted { $0.request.authReqIdHash < $1.request.authReqIdHash }
    }

    public func fixNotificationPayload(authReqIdHash: String, payload: Data) async throws -> Data {
        shards.withLock(for: authReqIdHash) { shard in
            if let fixed = shard.outbox[authReqIdHash]?.payload { return fixed }
            shard.outbox[authReqIdHash]?.payload = payload
            return payload
        }
    }

    public func recordNotificationAttempt(authReqIdHash: String, outcome: NotificationAttemptOutcome) async throws {
        shards.withLock(for: authReqIdHash) { shard in
            guard var entry = shard.outbox[authReqIdHash], entry.state == .due else { return }
            switch outcome {
            case .delivered:
                entry = Outbox(state: .delivered, at: entry.at, attempts: entry.attempts + 1)
                shard.due.remove(authReqIdHash)
            case .retry(let at):
                entry.attempts += 1
                entry.at = at
                entry.claimedUntil = nil
            case .failed:
                entry = Outbox(state: .failed, at: entry.at, attempts: entry.attempts + 1)
                shard.due.remove(authReqIdHash)
                if let request = shard.requests[authReqIdHash], request.notification?.mode == .push, case .approved = request.state {
                    shard.requests[authReqIdHash]?.state = .failed(reason: "the tokens could not be delivered to the client")
                }
            }
            shard.outbox[authReqIdHash] = entry
        }
    }

    public func pendingCounts() async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        shards.forEachShard { shard in
            for request in shard.requests.values where request.state == .pending { counts[request.authenticator, default: 0] += 1 }
        }
        return counts
    }

    public func pendingRequests(subject: String?, clientId: String?, limit: Int) async throws -> [PendingRequest] {
        var found: [PendingRequest] = []
        shards.forEachShard { shard in
            found += shard.requests.values.filter { request in
                request.state == .pending && (subject.map { request.subject == $0 } ?? true) && (clientId.map { request.clientId == $0 } ?? true)
            }
        }
        return Array(found.sorted { $0.createdAt < $1.createdAt }.prefix(limit))
    }
}
