import BackchannelClient
import BackchannelCore
import BackchannelTesting
import CertificateFixtures
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdHTTP2
import JWTKit
import NIOSSL
import Synchronization
import Testing

/// Push delivery over HTTP: number matching, FCM retries, a clean shutdown after APNs, every device failing.
extension PushEndToEndTests {
    @Test("number matching over HTTP: the phone sees the binding message only among decoys; the right pick approves, a wrong one denies")
    func numberMatching() async throws {
        try await withServer(numberMatching: true) { node, _, seen in
            let phone = try await enroll(node, subject: "alice", platform: "fcm", pushToken: "fcm-token-of-alices-phone")
            let client = PushDeviceClient()
            // The right pick first: after a denial, policy.limits cools the (client, user) pair down.
            for (pickRight, expected) in [(true, "approved"), (false, "denied")] {
                let id = try await start(node, "alice")
                let count = pickRight ? 1 : 2
                await waitFor(seen, fcm: count)
                let challenge = try await client.challenge(try #require(seen.fcm.withLock { $0.last?.challengeId }), phone)
                let choices = try #require(challenge.choices)
                #expect(challenge.bindingMessage == nil && choices.count == 3 && choices.contains("K7 PAY"))
                let pick = try #require(pickRight ? "K7 PAY" : choices.first { $0 != "K7 PAY" })
                #expect(try await client.answer(challenge, approve: true, picked: pick, phone) == expected)
                let answer = try await poll(node, id)
                #expect(pickRight ? answer.status == 200 : answer.json["error"] == .string("access_denied"), "\(answer.text)")
            }
        }
    }

    @Test("a 503 from FCM is retried with backoff, and the push then arrives")
    func retried() async throws {
        try await withServer { node, _, seen in
            let phone = try await enroll(node, subject: "alice", platform: "fcm", pushToken: Self.flakyToken)
            let id = try await start(node, "alice")
            await waitFor(seen, fcm: 2)
            let pushes = seen.fcm.withLock { $0 }
            #expect(pushes.count == 2 && pushes[0].challengeId == pushes[1].challengeId)
            let client = PushDeviceClient()
            #expect(try await client.answer(try await client.challenge(pushes[1].challengeId, phone), approve: true, phone) == "approved")
            #expect(try await poll(node, id).status == 200)
        }
    }

    @Test("after an APNs push, a reload (SIGHUP) and then SIGTERM end the server cleanly: exit 0, the APNs client shut down, no crash report")
    func cleanShutdownAfterPush() async throws {
        try await withServer { node, fixture, seen in
            _ = try await enroll(node, subject: "alice", platform: "apns", pushToken: String(repeating: "a1", count: 32))
            _ = try await start(node, "alice")
            await waitFor(seen, apns: 1)
            #expect(seen.apns.withLock { $0.count } == 1)
            let log = fixture.directory.appendingPathComponent("log")
            node.send(SIGHUP)
            #expect(await node.output.waitFor("configuration reloaded") == true)
            #expect(node.isRunning)
            #expect(await node.terminate() == 0)
            let text = try String(contentsOf: log, encoding: .utf8)
            for crash in ["Fatal error", "Program crashed", "not shut down", "Precondition failed"] {
                #expect(!text.contains(crash), "\(crash) in the log:\n\(text)")
            }
        }
    }

    @Test("a request whose every device is unregistered concludes as failed: the client's next poll is access_denied")
    func everyDeviceFails() async throws {
        try await withServer { node, _, seen in
            _ = try await enroll(node, subject: "bob", platform: "apns", pushToken: Self.goneToken)
            _ = try await enroll(node, subject: "bob", platform: "fcm", pushToken: Self.goneToken)
            let id = try await start(node, "bob")
            await waitFor(seen, fcm: 1, apns: 1)
            #expect(await node.waitUntilConcluded(id))
            let answer = try await poll(node, id)
            #expect(answer.json["error"] == .string("access_denied"), "\(answer.text)")
        }
    }
}
