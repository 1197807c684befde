import BackchannelCore
import BackchannelTesting
import Foundation
import Synchronization
import Testing

/// `kill -9` while requests pour in: every acknowledged request survives the restart, none twice.
// A bound for failing: beside the whole suite on two busy cores the 30 acknowledgements alone can take a minute.
@Suite("faults: kill -9 under load", .timeLimit(.minutes(3)),
    .enabled(if: BackchanneldProcess.isBuilt, "skipped: the backchanneld binary is not built beside the tests"))
struct CrashUnderLoadTests {
    /// What the load's workers share: the requests acknowledged so far, and when to stop.
    final class Shared: Sendable {
        let acknowledged = Mutex<[(id: String, user: String)]>([])
        let acknowledgements = EventCounter<String>()
        let stop = Atomic<Bool>(false)
    }

    @Test("after kill -9 under concurrent load, a restart on the same SQLite file holds every acknowledged request: pending ones pending, approved ones redeemed exactly once")
    func everyAcknowledgedRequestSurvives() async throws {
        let directory = try ChildProcess.temporaryDirectory("crash-load")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = try DemoFlow.configuration(
            in: directory, policy: "min_client_secret_length: 8, enforce_poll_interval: false, limits: { enabled: false }",
            users: [("carol", "silent"), ("dave", "approve")])
        let arguments = ["--config", file.path, "--data-dir", directory.appendingPathComponent("data").path]
        let first = try await BackchanneldProcess(arguments: arguments, log: directory.appendingPathComponent("log"))
        let shared = Shared()
        let load = Task {
            await withTaskGroup(of: Void.self) { group in
                for worker in 0..<6 {
                    group.addTask {
                        var index = 0
                        while !shared.stop.load(ordering: .relaxed) {
                            let user = (worker + index).isMultiple(of: 2) ? "carol" : "dave"
                            index += 1
                            // Only an answer with an auth_req_id acknowledges; a cut connection acknowledges nothing.
                            guard let id = try? await DemoFlow.start(first, user) else { continue }
                            shared.acknowledged.withLock { $0.append((id, user)) }
                            shared.acknowledgements.record("acknowledged")
                        }
                    }
                }
            }
        }
        // Crashed mid-stream, once a good number were acknowledged (a busy machine takes longer to get there).
        await shared.acknowledgements.wait(for: "acknowledged", count: 30)
        first.crash()
        // Each worker ends with the request it has under way, answered or cut: what was acknowledged is final.
        shared.stop.store(true, ordering: .relaxed)
        await load.value

        let second = try await BackchanneldProcess(arguments: arguments, log: directory.appendingPathComponent("log"))
        defer { second.stop() }
        let requests = shared.acknowledged.withLock { $0 }
        #expect(requests.count > 20)
        for (id, user) in requests {
            if user == "carol" {
                #expect(try await DemoFlow.poll(second, id).json["error"] == .string("authorization_pending"), "carol's \(id)")
            } else {
                #expect(try await DemoFlow.poll(second, id).status == 200, "dave's \(id)")
                #expect(try await DemoFlow.poll(second, id).json["error"] == .string("invalid_grant"), "dave's \(id) twice")
            }
        }
    }
}
