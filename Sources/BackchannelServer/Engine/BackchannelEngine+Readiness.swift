import BackchannelCore
import Foundation
import Metrics

/// `backchannel_ready`: 1 when the node's last readiness check (``BackchannelEngine/readiness(deadline:)``,
/// from `/readyz` or the host's periodic look) passed, 0 when it did not.
private let readinessGauge = Gauge(label: "backchannel_ready")

extension BackchannelEngine {
    /// Whether this server can take requests now, each check by name: the store answers within
    /// `deadline`, and every authenticator says it is ready (``BackchannelCore/ReadinessReporting``).
    /// The signing keys were loaded before the engine existed.
    /// - Returns: Whether all pass, and each check's word (`ok`, or why not).
    public func readiness(deadline: Duration = .seconds(2)) async -> (ready: Bool, checks: [String: String]) {
        var checks: [String: String] = ["keys": "ok"]
        checks["store"] = await withinDeadline(deadline, failure: "did not answer within \(deadline)") {
            do {
                _ = try await self.store.request(authReqIdHash: "readiness-probe")
                return "ok"
            } catch {
                return "failed: \(error)"
            }
        }
        // A directory out of reach fails every authentication request: the node is not ready without it.
        if let directory = state.userDirectory as? any ReadinessReporting {
            checks["directory"] = await withinDeadline(deadline, failure: "did not answer within \(deadline)") {
                switch await directory.readiness() {
                case .ready: "ok"
                case .notReady(let reason): "not ready: \(reason)"
                }
            }
        }
        for (name, route) in authenticators.sorted(by: { $0.key < $1.key }) {
            let handler = route.instance.handler
            checks["authenticator \(name)"] = await withinDeadline(deadline, failure: "did not answer within \(deadline)") {
                switch await handler.currentReadiness() {
                case .ready: "ok"
                case .notReady(let reason): "not ready: \(reason)"
                }
            }
        }
        let ready = checks.values.allSatisfy { $0 == "ok" }
        readinessGauge.record(ready ? 1 : 0)
        return (ready, checks)
    }

    /// Refreshes the pending-requests gauge from the store (every few seconds, not per request).
    public func refreshPendingGauge() async {
        guard let counts = try? await store.pendingCounts() else { return }
        ConclusionMetrics.pending(counts, authenticators: Array(authenticators.keys))
    }

    private func withinDeadline(_ deadline: Duration, failure: String, _ body: @escaping @Sendable () async -> String) async -> String {
        await withTaskGroup(of: String?.self) { group in
            group.addTask { await body() }
            group.addTask {
                try? await Task.sleep(for: deadline)
                return nil
            }
            defer { group.cancelAll() }
            return await group.next().flatMap { $0 } ?? failure
        }
    }
}
