import BackchannelCore
import BackchannelTesting
import Foundation
import Synchronization
import Testing

/// A slot's conclusion written with the host's (``RecordConcludingSink``), and the contract a
/// ``RequestScopedRecords`` handler signs.
@Suite("Conclusions written with their records; request-scoped records")
struct RecordConcludingTests {
    struct Request: ConcludableRecord, Equatable {
        var conclusion: RecordedConclusion?
        var result: BackchannelAuthenticationResult? { conclusion?.result(subject: "alice", amr: ["otp"]) }
    }

    /// A sink that writes the record itself (as a store of both would, in one write) when `combines`, and
    /// counts what it was asked.
    final class CombiningSink: RecordConcludingSink {
        struct Calls { var combined = 0, reported = 0 }
        let combines: Bool
        let calls = Mutex(Calls())
        init(combines: Bool) { self.combines = combines }

        func authenticationConcluded(authReqId: AuthReqId, result: BackchannelAuthenticationResult) async {
            calls.withLock { $0.reported += 1 }
        }

        func authenticationConcluded(
            authReqId: AuthReqId, result: BackchannelAuthenticationResult, replacing replacement: PluginStateReplacement, in store: any PluginStateStore
        ) async throws -> Bool? {
            guard combines else { return nil }
            calls.withLock { $0.combined += 1 }
            return try await store.replace(replacement)
        }
    }

    static func slot() async throws -> (PluginStateSlot<Request>, AuthReqId) {
        let clock = VirtualClock()
        let slot = PluginStateSlot<Request>(store: InMemoryPluginStateStore(clock: clock), namespace: "test")
        let id = AuthReqId(rawValue: "r1")
        #expect(try await slot.insert(Request(), key: id.rawValue, createdAt: clock.now, expiresAt: clock.now.addingTimeInterval(60)))
        return (slot, id)
    }

    @Test("a sink that writes with the record's store records the conclusion there, and is not told it again")
    func combinedConclusionIsReportedOnce() async throws {
        let (slot, id) = try await Self.slot()
        let sink = CombiningSink(combines: true)
        #expect(try await slot.conclude(id, with: RecordedConclusion(.approved, at: Date()), reportingTo: sink) != nil)
        #expect(sink.calls.withLock { ($0.combined, $0.reported) } == (1, 0))
        #expect(try await slot.load(id.rawValue)?.value.conclusion?.kind == .approved)
        // Concluded: a second conclusion writes nothing and reports nothing.
        #expect(try await slot.conclude(id, with: RecordedConclusion(.denied, at: Date()), reportingTo: sink) == nil)
        #expect(sink.calls.withLock { ($0.combined, $0.reported) } == (1, 0))
    }

    @Test("a sink that cannot write with the record's store: the record is replaced and the conclusion reported, as before")
    func uncombinedConclusionIsReported() async throws {
        let (slot, id) = try await Self.slot()
        let sink = CombiningSink(combines: false)
        #expect(try await slot.conclude(id, with: RecordedConclusion(.denied, at: Date(), reason: "no"), reportingTo: sink) != nil)
        #expect(sink.calls.withLock { ($0.combined, $0.reported) } == (0, 1))
        #expect(try await slot.load(id.rawValue)?.value.conclusion?.kind == .denied)
    }

    /// A handler declaring request-scoped records; `stray` also writes a record under another key.
    struct ScopedHandler: RequestScopedRecords {
        let store: any PluginStateStore
        let clock: any BackchannelClock
        let stray: Bool
        var requestRecordNamespaces: [String] { ["scoped"] }

        func startAuthentication(_ request: BackchannelAuthenticationRequest) async throws -> BackchannelStartAuthenticationResult {
            let key = request.authReqId.rawValue
            guard try await store.insert(record(key)) else { throw BackchannelHandlerError.duplicateAuthReqId(request.authReqId) }
            if stray { _ = try await store.insert(record("link-" + key)) }
            return .started
        }

        func record(_ key: String) -> PluginStateRecord {
            PluginStateRecord(namespace: "scoped", key: key, value: Data("pending".utf8), createdAt: clock.now, expiresAt: clock.now.addingTimeInterval(60))
        }

        func checkAuthenticationStatus(authReqId: AuthReqId) async throws -> BackchannelAuthenticationResult? { nil }

        func cancelAuthenticationRequest(authReqId: AuthReqId) async throws {
            try await store.delete(namespace: "scoped", key: authReqId.rawValue)
            try await store.delete(namespace: "scoped", key: "link-" + authReqId.rawValue)
        }
    }

    @Test("the handler contract refuses a request-scoped handler that keeps a record under another key, and accepts one that does not")
    func contractChecksScopedRecords() async throws {
        for stray in [false, true] {
            let harness = BackchannelHandlerHarness(users: [DirectoryUser(subject: "alice")])
            let handler = ScopedHandler(store: harness.services.stateStore, clock: harness.clock, stray: stray)
            let violations = await BackchannelHandlerContract.violations(of: handler, harness: harness, hint: .loginHint("alice"))
            #expect(violations.map(\.check) == (stray ? [BackchannelHandlerContract.checks[6]] : []), "\(violations)")
        }
    }
}
