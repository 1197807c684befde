import BackchannelTesting
import Foundation
import Testing

/// `docs/operations/`: the Grafana dashboard and the Prometheus alert rules name only metrics a real
/// process exports (`promtool check rules` checks the rules' syntax in `.ci/run`).
@Suite("operations dashboards and alerts", .timeLimit(.minutes(2)),
    .enabled(if: BackchanneldProcess.isBuilt, "skipped: the backchanneld binary is not built beside the tests"))
struct OperationsDocsTests {
    static let documents = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/operations")

    /// Every `backchannel_…` metric a document names, histogram series (`_bucket`, `_count`, `_sum`) by their
    /// histogram's name when `histograms` has it.
    private func named(in file: String, histograms: Set<String>) throws -> Set<String> {
        let text = try String(contentsOf: Self.documents.appendingPathComponent(file), encoding: .utf8)
        var names = Set<String>()
        for match in text.matches(of: #/backchannel_[a-z_]+/#) {
            var name = String(match.0)
            for suffix in ["_bucket", "_count", "_sum"] where name.hasSuffix(suffix) && histograms.contains(String(name.dropLast(suffix.count))) {
                name = String(name.dropLast(suffix.count))
            }
            names.insert(name)
        }
        return names
    }

    @Test("every metric the dashboard and the alert rules name is one backchanneld exports, from its start")
    func namedMetricsExported() async throws {
        let directory = try ChildProcess.temporaryDirectory("operations-docs")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("backchannel.yaml")
        // A remote directory (out of reach: its counters exist all the same), an SMS authenticator, a ping client.
        try """
            policy: { allow_insecure_loopback_notifications: true, min_client_secret_length: 8 }
            clients:
              - { client_id: rp, client_secret: rp-secret-0001, backchannel_token_delivery_mode: ping,
                  backchannel_client_notification_endpoint: "http://127.0.0.1:9/ping" }
            authenticators:
              - { plugin: sms, name: text, configuration: { provider: webhook, url: "http://127.0.0.1:9/messages", from: Backchannel } }
            directory:
              plugin: scim
              configuration: { base_url: "http://127.0.0.1:9/scim/v2", bearer_token_env: SCIM_TOKEN }
            """.write(to: file, atomically: true, encoding: .utf8)
        let server = try await BackchanneldProcess(
            arguments: ["--config", file.path, "--data-dir", directory.appendingPathComponent("data").path], log: directory.appendingPathComponent("log"),
            environment: ["SCIM_TOKEN": "scim-token-for-a-test"])
        defer { server.stop() }
        // One request, refused: the request counter has a series.
        _ = try await HTTPPeer.post("\(server.baseURL)/backchannel/authentication", form: [("scope", "openid")], basic: ("nobody", "wrong-secret"))
        _ = try await HTTPPeer.get("\(server.operationsURL)/readyz")
        let metrics = try await HTTPPeer.get("\(server.operationsURL)/metrics").text
        var exported: [String: String] = [:]
        for line in metrics.split(separator: "\n") where line.hasPrefix("# TYPE ") {
            let parts = line.split(separator: " ")
            if parts.count == 4 { exported[String(parts[2])] = String(parts[3]) }
        }
        let histograms = Set(exported.filter { $0.value == "histogram" }.keys)
        let dashboard = try named(in: "backchannel-dashboard.json", histograms: histograms)
        let alerts = try named(in: "backchannel-alerts.yml", histograms: histograms)
        #expect(dashboard.count >= 15 && alerts.count >= 9)
        for name in dashboard.union(alerts).sorted() {
            #expect(exported[name] != nil, "\(name) is named in docs/operations but not exported")
        }
        // What the alerts are about, each there.
        for name in [
            "backchannel_time_to_conclusion_seconds", "backchannel_deliveries_total", "backchannel_notifications_outstanding",
            "backchannel_notification_oldest_claim_age_seconds", "backchannel_store_errors_total", "backchannel_ready",
            "backchannel_limit_refusals_total", "backchannel_expiry_sweep_lag_seconds",
        ] {
            #expect(alerts.contains(name), "no alert rule on \(name)")
        }
    }
}
