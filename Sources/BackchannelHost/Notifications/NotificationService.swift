import BackchannelServer
import Logging
import ServiceLifecycle
import Synchronization

/// Delivers ping and push notifications from the store's outbox, under the host's lifecycle: claims
/// what is due, at most `notification_max_in_flight_per_endpoint` of one client's at a time (a slow client's
/// endpoint holds up only its own notifications: the rest are left in the store, for everyone else's to be
/// claimed past them), delivers with a bounded number in flight per endpoint, and at graceful shutdown
/// claims nothing more and lets the deliveries under way finish (each within its attempt timeout).
/// Whatever is left is claimed again when its lease ends, by this process after a restart or by
/// another node.
struct NotificationService: Service {
    let engines: EngineHandle
    let transport: any NotificationTransport
    /// Signalled by this node's conclusions, so their notifications go out at once.
    var wakeup = OutboxWakeup()
    /// How often the outbox is looked at when nothing was due and nothing signalled (conclusions on
    /// other nodes, retries coming due).
    var idlePeriod: Duration = .milliseconds(100)
    /// Claimed and not yet finished, at most.
    var maxOutstanding = 200
    /// Where a failing outbox is reported: once when it starts failing, once when it recovers.
    var logger = Logger(label: "backchanneld")

    func run() async throws {
        // The policy's delivery limits are read once (a reload says they need a restart).
        let engine = engines.current
        let slots = EndpointSlots(limit: engine.policy.notificationMaxInFlightPerEndpoint)
        let outstanding = Outstanding(perClient: max(1, engine.policy.notificationMaxInFlightPerEndpoint))
        // Long enough for one attempt and some waiting for a slot; short enough that the claims of a node
        // that died come back soon. A claim that waited too long for its slot is left to its lease.
        let attempt = Double(engine.policy.notificationAttemptTimeout)
        let lease = attempt + 20
        let clock = ContinuousClock()
        var failures = 0
        await withDiscardingTaskGroup { group in
            while !Task.isShuttingDownGracefully, !Task.isCancelled {
                let (room, saturated) = outstanding.room(of: maxOutstanding)
                let engine = engines.current
                let due: [DueNotification]
                do {
                    due = room > 0 ? try await engine.claimDueNotifications(
                        limit: min(room, 100), lease: lease, excludingClients: saturated, perClient: outstanding.perClient) : []
                    if failures > 0 { logger.info("claiming notifications works again", metadata: ["failed_attempts": "\(failures)"]) }
                    failures = 0
                } catch {
                    // The store is down: say so once, and look again less often (up to every 5 s) until it is back.
                    if failures == 0 { logger.error("claiming notifications failed", metadata: ["error": "\(error)"]) }
                    failures += 1
                    try? await Task.sleep(for: min(.seconds(5), idlePeriod * (1 << min(failures, 6))))
                    continue
                }
                for notification in due {
                    let endpoint = engine.notificationEndpoint(for: notification)?.absoluteString ?? ""
                    let client = notification.request.clientId
                    let claimed = clock.now
                    let claim = outstanding.add(client, at: claimed)
                    group.addTask {
                        await slots.acquire(endpoint)
                        if clock.now - claimed < .seconds(lease - attempt - 5) {
                            await engine.deliver(notification, transport: transport)
                        }
                        slots.release(endpoint)
                        outstanding.remove(client, claim: claim)
                    }
                }
                let backlog = outstanding.backlog(at: clock.now)
                NotificationBacklogMetrics.record(outstanding: backlog.count, oldestClaim: backlog.oldest)
                if due.isEmpty { await wakeup.wait(upTo: idlePeriod) }
            }
        }
    }
}

/// Deliveries claimed and not finished, in all and per client: shared by the claiming loop and the
/// delivering tasks. Its size is bounded by the clients with deliveries under way.
final class Outstanding: Sendable {
    private struct State {
        var total = 0
        var byClient: [String: Int] = [:]
        /// When each outstanding delivery was claimed, by a number of its own.
        var claimed: [Int: ContinuousClock.Instant] = [:]
        var nextClaim = 0
    }

    /// The most of one client's claimed at once, and the count at which it gets no more.
    let perClient: Int
    private let state = Mutex(State())

    init(perClient: Int) {
        self.perClient = perClient
    }

    /// How many more may be claimed under `limit`, and the clients that may have no more claimed now.
    func room(of limit: Int) -> (Int, Set<String>) {
        state.withLock { state in
            (limit - state.total, Set(state.byClient.compactMap { $0.value >= perClient ? $0.key : nil }))
        }
    }

    /// Counts a delivery of `client`'s claimed at `now`. - Returns: its number, for ``remove(_:claim:)``.
    func add(_ client: String, at now: ContinuousClock.Instant) -> Int {
        state.withLock { state in
            state.total += 1
            state.byClient[client, default: 0] += 1
            state.nextClaim += 1
            state.claimed[state.nextClaim] = now
            return state.nextClaim
        }
    }

    func remove(_ client: String, claim: Int) {
        state.withLock { state in
            state.total -= 1
            state.byClient[client, default: 1] -= 1
            if state.byClient[client] == 0 { state.byClient[client] = nil }
            state.claimed[claim] = nil
        }
    }

    /// How many deliveries are outstanding, and how long ago the oldest of them was claimed (zero when none):
    /// a look over at most `maxOutstanding` entries.
    func backlog(at now: ContinuousClock.Instant) -> (count: Int, oldest: Duration) {
        state.withLock { state in
            (state.total, state.claimed.values.min().map { now - $0 } ?? .zero)
        }
    }
}
