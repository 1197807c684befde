import Foundation
import Synchronization

/// How each client's requests ended on this node since it started, by endpoint and outcome (`success` or
/// the OAuth error code), and when its last one came: what the operator console shows beside each client.
/// Bounded: configured client ids (anything else is `unknown`), three endpoints, OAuth's error codes.
public final class ClientOutcomes: Sendable {
    /// One client's tally.
    public struct Tally: Sendable, Equatable {
        /// Requests by `endpoint outcome` (`token authorization_pending`).
        public var counts: [String: Int] = [:]
        /// When the last request came.
        public var last: Date?
    }

    private let tallies = Mutex<[String: Tally]>([:])

    init() {}

    func record(client: String, endpoint: String, outcome: String, at now: Date) {
        tallies.withLock { tallies in
            tallies[client, default: Tally()].counts["\(endpoint) \(outcome)", default: 0] += 1
            tallies[client]?.last = now
        }
    }

    /// Every client's tally, by client id.
    public var all: [String: Tally] { tallies.withLock { $0 } }
}
