import Foundation
import Synchronization

/// How each client's requests ended on this node since it started, by endpoint and outcome (`success` or the
/// OAuth error code), and when its last one came: what the operator console shows beside each client.
/// Bounded: configured client ids (anything else is `unknown`), three endpoints, OAuth's error codes.
public final class ClientOutcomes: Sendable {
    /// One client's tally.
    public struct Tally: Sendable, Equatable {
        /// Requests by `endpoint outcome` (`token authorization_pending`).
        public var counts: [String: Int] = [:]
        /// When the last request came.
        public var last: Date?
    }

    private struct Key: Hashable {
        var client: String
        var endpoint: EngineMetrics.Endpoint
        var outcome: String
    }

    private struct State {
        var counts: [Key: Int] = [:]
        var last: [String: Date] = [:]
    }

    private let state = Mutex(State())

    init() {}

    /// Counts one request: on the request path, so no text is built here (the console builds it when it reads).
    func record(client: String, endpoint: EngineMetrics.Endpoint, outcome: String, at now: Date) {
        state.withLock { state in
            state.counts[Key(client: client, endpoint: endpoint, outcome: outcome), default: 0] += 1
            state.last[client] = now
        }
    }

    /// Every client's tally, by client id.
    public var all: [String: Tally] {
        let (counts, last) = state.withLock { ($0.counts, $0.last) }
        var tallies: [String: Tally] = [:]
        for (key, count) in counts {
            tallies[key.client, default: Tally()].counts["\(key.endpoint.rawValue) \(key.outcome)"] = count
        }
        for (client, time) in last { tallies[client, default: Tally()].last = time }
        return tallies
    }
}
