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

    private struct Shard {
        var requests: [String: PendingRequest] = [:]
        // Expiry deadlines of live requests, then purge deadlines of expired ones.
        var deadlines = Heap<Deadline>()
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

    public func registerPoll(authReqIdHash: String, clientId: String, now: Date, enforceInterval: Bool) async throws -> PollOutcome {
        shards.withLock(for: authReqIdHash) { shard in
            guard var request = shard.requests[authReqIdHash], request.clientId == clientId else { return .unknown }
            defer { shard.requests[authReqIdHash] = request }
            let tooSoon = request.lastPolledAt.map { now.timeIntervalSince($0) < Double(request.interval) } ?? false
            request.lastPolledAt = now
            if enforceInterval, tooSoon, request.state == .pending, now < request.expiresAt {
                request.interval += 5
                return .slowDown(request)
            }
            return .admitted(request)
        }
    }

    public func conclude(authReqIdHash: String, result: BackchannelAuthenticationResult) async throws -> Bool {
        shards.withLock(for: authReqIdHash) { shard in
            guard shard.requests[authReqIdHash]?.state == .pending else { return false }
            shard.requests[authReqIdHash]?.state = PendingRequestState(result: result)
            return true
        }
    }

    public func redeem(authReqIdHash: String, clientId: String, now: Date) async throws -> PendingRequest? {
        shards.withLock(for: authReqIdHash) { shard in
            guard let request = shard.requests[authReqIdHash], request.clientId == clientId,
                case .approved = request.state, now < request.expiresAt
            else { return nil }
            shard.requests[authReqIdHash] = nil
            return request
        }
    }

    public func remove(authReqIdHash: String) async throws {
        _ = shards.withLock(for: authReqIdHash) { $0.requests.removeValue(forKey: authReqIdHash) }
    }

    public func claimExpired(now: Date, limit: Int) async throws -> [PendingRequest] {
        var claimed: [PendingRequest] = []
        shards.forEachShard { shard in
            while claimed.count < limit, let next = shard.deadlines.min, next.at <= now {
                shard.deadlines.removeMin()
                guard var request = shard.requests[next.authReqIdHash] else { continue }  // redeemed or removed
                if request.state == .expired {
                    shard.requests[next.authReqIdHash] = nil  // retention over: purge
                } else {
                    request.state = .expired
                    shard.requests[next.authReqIdHash] = request
                    shard.deadlines.insert(Deadline(at: request.expiresAt.addingTimeInterval(retention), authReqIdHash: next.authReqIdHash))
                    claimed.append(request)
                }
            }
        }
        return claimed
    }
}
