import BackchannelTesting
import Foundation
import Testing

/// `Examples/AgentApproval` against a real server: a payment approved in ping mode, the access token's
/// authorization details printed; a declined one exits 1.
@Suite("the agent approval example", .timeLimit(.minutes(1)))
struct AgentApprovalTests {
    static let executable = BackchanneldProcess.builtExecutable("AgentApproval")
    static var isBuilt: Bool { FileManager.default.isExecutableFile(atPath: executable.path) && BackchanneldProcess.isBuilt }

    /// A server whose `agent` client is pinged on `pingPort`, with RFC 9396's payment type.
    private func server(pingPort: Int, in directory: URL) async throws -> BackchanneldProcess {
        let file = directory.appendingPathComponent("backchannel.yaml")
        try """
            policy:
              interval: 1
              allow_insecure_loopback_notifications: true
              authorization_details_types:
                payment_initiation:
                  summary: "Transfer {{instructedAmount.amount}} {{instructedAmount.currency}} to {{creditorName}}"
                  fields:
                    instructedAmount:
                      type: object
                      required: true
                      fields: { currency: { type: string, required: true }, amount: { type: decimal, required: true } }
                    creditorName: { type: string, required: true }
                    creditorAccount: { type: object, fields: { iban: { type: string, required: true } } }
            clients:
              - client_id: agent
                client_secret: agent-secret-00000001
                backchannel_token_delivery_mode: ping
                backchannel_client_notification_endpoint: http://127.0.0.1:\(pingPort)/ciba/ping
                authorization_details_types: [payment_initiation]
                max_expiry: 86400
            authenticators:
              - { plugin: mock-push, configuration: { users: { dora: { action: approve }, eve: { action: deny } } } }
            users:
              - { subject: dora }
              - { subject: eve }
            """.write(to: file, atomically: true, encoding: .utf8)
        return try await BackchanneldProcess(arguments: ["--config", file.path, "--data-dir", directory.path], log: directory.appendingPathComponent("log"))
    }

    private func agent(_ user: String, node: BackchanneldProcess, pingPort: Int) async throws -> (status: Int32, output: String) {
        try await ChildProcess.run(
            Self.executable,
            [user, "--issuer", node.baseURL, "--client-id", "agent", "--client-secret", "agent-secret-00000001", "--listen", "127.0.0.1:\(pingPort)",
             "--amount", "99.95", "--wait", "86400"],
            environment: ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("BACKCHANNEL_") })
    }

    @Test("a payment approved in ping mode prints the access token's authorization details; a declined one exits 1",
        .enabled(if: isBuilt, "skipped: the executables are not built"))
    func approvedAndDeclined() async throws {
        let directory = try ChildProcess.temporaryDirectory("agent")
        defer { try? FileManager.default.removeItem(at: directory) }
        let pingPort = try LoopbackPort.free()
        let node = try await server(pingPort: pingPort, in: directory)
        defer { node.stop() }
        let approved = try await agent("dora", node: node, pingPort: pingPort)
        #expect(approved.status == 0, "\(approved.output)")
        #expect(approved.output.contains("Approved by dora. The access token carries:"), "\(approved.output)")
        #expect(approved.output.contains(#""amount" : "99.95""#), "\(approved.output)")
        #expect(approved.output.contains(#""type" : "payment_initiation""#), "\(approved.output)")
        #expect(!approved.output.contains("error"), "\(approved.output)")
        let declined = try await agent("eve", node: node, pingPort: pingPort)
        #expect(declined.status == 1, "\(declined.output)")
        #expect(declined.output.contains("eve declined the payment."), "\(declined.output)")
    }
}
