import BackchannelTesting
import Foundation
import Testing

/// The published device protocol is enough to build a device: `Tests/Interop/push_device_check.py`, a Python
/// device written from `docs/push-device-api.md` alone, checks the test vectors, then enrolls, fetches and
/// answers a payment approval against a real server, which issues the client's tokens with the payment.
@Suite("the push device protocol, implemented in Python from its document", .timeLimit(.minutes(1)))
struct PushDeviceProtocolTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Interop/push_device_check.py")
    static let vectors = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/push-device-vectors.json")
    static let cryptographyInstalled = ChildProcess.succeeds("python3 -c 'import cryptography'")
    static let adminToken = "push-protocol-admin-token-0123456789abcdef"

    @Test("the Python device checks the published vectors", .enabled(if: cryptographyInstalled, "skipped: python3's cryptography is missing; .ci/run installs it"))
    func vectorsInPython() async throws {
        let (status, output) = try await ChildProcess.python([Self.script.path, "vectors", Self.vectors.path])
        #expect(status == 0, "\(output)")
        #expect(output.contains("all checks passed"), "\(output)")
    }

    @Test("the Python device enrolls, fetches a payment approval, is refused over other details, approves; the client gets the payment in its tokens",
        .enabled(if: BackchanneldProcess.isBuilt && cryptographyInstalled, "skipped: backchanneld is not built or python3's cryptography is missing"))
    func pythonDeviceAgainstTheServer() async throws {
        let directory = try ChildProcess.temporaryDirectory("push-protocol")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("backchannel.yaml")
        try """
            server:
              operations: { admin_token: "\(Self.adminToken)" }
            policy:
              authorization_details_types:
                payment_initiation:
                  summary: "Transfer {{instructedAmount.amount}} {{instructedAmount.currency}} to {{creditorName}}"
                  fields:
                    instructedAmount: { type: object, required: true, fields: { currency: { type: string, required: true }, amount: { type: decimal, required: true } } }
                    creditorName: { type: string, required: true }
            clients:
              - { client_id: console, client_secret: console-secret-0042, authorization_details_types: [payment_initiation] }
            authenticators:
              - plugin: push
            users:
              - { subject: alice }
            """.write(to: file, atomically: true, encoding: .utf8)
        let node = try await BackchanneldProcess(
            arguments: ["--config", file.path, "--data-dir", directory.appendingPathComponent("data").path], log: directory.appendingPathComponent("log"),
            logLevel: "notice")
        defer { node.stop() }
        let issued = try await HTTPPeer.post(
            "\(node.operationsURL)/admin/authenticators/push/enrollment-codes?subject=alice", form: [], headers: [("Authorization", "Bearer \(Self.adminToken)")])
        let code = try #require(issued.json["code"]?.stringValue, "\(issued.text)")
        // The device enrolls, then asks for its pending challenges until the request below sends it one.
        async let device = ChildProcess.python([Self.script.path, "live", "\(node.baseURL)/authn/push/api/", code, "Transfer 75.00 EUR to ACME Ltd"])
        // Once the device has enrolled (the server says so), alice can be asked.
        #expect(await node.output.waitFor("a device enrolled"))
        let ack = try await HTTPPeer.post(
            "\(node.baseURL)/backchannel/authentication",
            form: [
                ("scope", "openid"), ("login_hint", "alice"), ("binding_message", "PAY 75"),
                ("authorization_details", #"[{"type":"payment_initiation","instructedAmount":{"currency":"EUR","amount":"75.00"},"creditorName":"ACME Ltd"}]"#),
            ],
            basic: ("console", "console-secret-0042"))
        let id = try #require(ack.json["auth_req_id"]?.stringValue, "\(ack.text)")
        let (status, output) = try await device
        #expect(status == 0, "\(output)")
        #expect(output.contains("ok   live: an approval over other details is refused"), "\(output)")
        let tokens = try await HTTPPeer.post(
            "\(node.baseURL)/token", form: [("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", id)], basic: ("console", "console-secret-0042"))
        #expect(tokens.status == 200, "\(tokens.text)")
        #expect(tokens.text.contains(#""amount":"75.00""#), "\(tokens.text)")
    }
}
