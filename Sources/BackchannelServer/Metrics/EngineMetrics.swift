import Foundation
import Metrics
import Tracing
import Synchronization

/// The engine's metrics, through swift-metrics, so they go wherever the host bootstraps them
/// (Prometheus in `backchanneld`; nowhere in tests, which bootstrap nothing).
///
/// Every label value comes from a bounded set: endpoint names, OAuth error codes, configured client ids
/// (anything else is `unknown`), authenticator names, store operation names. No subject, no request id.
/// Instruments are made once and kept, so the request path only looks them up.
public final class EngineMetrics: Sendable {
    /// The endpoints requests are counted for.
    public enum Endpoint: String, Sendable, CaseIterable {
        case backchannelAuthentication = "backchannel_authentication"
        case token
        case userinfo
    }

    private struct RequestKey: Hashable {
        var endpoint: Endpoint
        var outcome: String
        var client: String
    }

    private let knownClients: Set<String>
    private let requestCounters = Mutex<[RequestKey: Counter]>([:])
    private let requestTimers: [Endpoint: Metrics.Timer]
    private let pluginTimers: [String: [String: Metrics.Timer]]
    private static let refusals = Mutex<[String: Counter]>([:])
    private let tracer: EngineTracer

    private let outcomes: ClientOutcomes?

    init(clients: [String], authenticators: [String], tracer: EngineTracer = .off, outcomes: ClientOutcomes? = nil) {
        self.outcomes = outcomes
        knownClients = Set(clients)
        self.tracer = tracer
        // Every series a dashboard or an alert names exists from the start, at zero.
        for limit in Self.limits { _ = Self.counter(limit) }
        ConclusionMetrics.prepare(authenticators: authenticators)
        requestTimers = Dictionary(uniqueKeysWithValues: Endpoint.allCases.map {
            ($0, Metrics.Timer(label: "backchannel_request_duration_seconds", dimensions: [("endpoint", $0.rawValue)], preferredDisplayUnit: .seconds))
        })
        pluginTimers = Dictionary(uniqueKeysWithValues: authenticators.map { name in
            (name, Dictionary(uniqueKeysWithValues: ["start", "status", "cancel"].map { call in
                (call, Metrics.Timer(
                    label: "backchannel_plugin_call_duration_seconds", dimensions: [("authenticator", name), ("call", call)],
                    preferredDisplayUnit: .seconds))
            }))
        })
    }

    /// Counts a request and records how long it took. `outcome` is `success` or the error code.
    func request(_ endpoint: Endpoint, outcome: String, client: String?, duration: Duration) {
        let client = client.map { knownClients.contains($0) ? $0 : "unknown" } ?? "unauthenticated"
        let key = RequestKey(endpoint: endpoint, outcome: outcome, client: client)
        let counter = requestCounters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Counter(
                label: "backchannel_requests_total", dimensions: [("endpoint", endpoint.rawValue), ("outcome", outcome), ("client_id", client)])
            counters[key] = counter
            return counter
        }
        counter.increment()
        requestTimers[endpoint]?.recordNanoseconds(duration.nanoseconds)
        outcomes?.record(client: client, endpoint: endpoint, outcome: outcome, at: Date())
    }

    /// Records how long a call into an authenticator took.
    func pluginCall(_ authenticator: String, _ call: String, duration: Duration) {
        pluginTimers[authenticator]?[call]?.recordNanoseconds(duration.nanoseconds)
    }

    /// The limits a refusal names (``AbuseLimiter``).
    static let limits = ["client_rate", "subject_rate", "pending_cap", "cooldown", "user_code_lockout"]

    /// Counts a request the abuse limits refused, by which limit.
    static func refused(by limit: String) {
        counter(limit).increment()
    }

    private static func counter(_ limit: String) -> Counter {
        refusals.withLock { counters in
            if let counter = counters[limit] { return counter }
            let counter = Counter(label: "backchannel_limit_refusals_total", dimensions: [("limit", limit)])
            counters[limit] = counter
            return counter
        }
    }

    /// Times `body`, a call into `authenticator`, in a span of its own (`authenticator start`, `… status`,
    /// `… cancel`) when tracing is on.
    func timing<T>(_ authenticator: String, _ call: String, _ body: () async throws -> T) async rethrows -> T {
        if tracer.isOn, ServiceContext.current != nil {
            return try await tracer.span("authenticator \(call)") { span in
                span?.attributes["backchannel.authenticator"] = authenticator
                return try await timed(authenticator, call, body)
            }
        }
        return try await timed(authenticator, call, body)
    }

    @inline(__always)
    private func timed<T>(_ authenticator: String, _ call: String, _ body: () async throws -> T) async rethrows -> T {
        let started = ContinuousClock.now
        defer { pluginCall(authenticator, call, duration: ContinuousClock.now - started) }
        return try await body()
    }
}

extension Duration {
    /// The duration in whole nanoseconds.
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}

extension Result where Failure == OAuthError {
    /// The outcome label of an answer: `success` or its error code.
    var outcome: String {
        switch self {
        case .success: "success"
        case .failure(let error): error.code
        }
    }
}
