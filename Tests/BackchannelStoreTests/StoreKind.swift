import BackchannelCore
import BackchannelPostgres
import BackchannelServer
import BackchannelSQLite
import BackchannelTesting
import Foundation
import Testing

/// The three stores the same contract runs against.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case memory, sqlite, postgres

    var testDescription: String { rawValue }

    static var postgresInstalled: Bool { TemporaryPostgresServer.binaryDirectory != nil }

    /// Every store this machine can run; PostgreSQL only where its binaries are installed (a separate
    /// test reports the skip).
    static var available: [StoreKind] { postgresInstalled ? allCases : [.memory, .sqlite] }
}

/// A fresh store of one kind, with everything it implements.
struct StoreUnderTest {
    let requests: any PendingRequestStore
    let pluginState: any PluginStateStore
    let keys: (any SigningKeyStore)?
    let clock: VirtualClock
    private let cleanup: @Sendable () -> Void

    static func make(_ kind: StoreKind, retention: TimeInterval = 60) async throws -> StoreUnderTest {
        let clock = VirtualClock()
        switch kind {
        case .memory:
            return StoreUnderTest(
                requests: InMemoryPendingRequestStore(expiredRequestRetention: retention), pluginState: InMemoryPluginStateStore(clock: clock),
                keys: nil, clock: clock, cleanup: {})
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("backchannel-sqlite-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let store = try SQLiteStore(path: directory.appendingPathComponent("state.sqlite").path, expiredRequestRetention: retention, clock: clock)
            return StoreUnderTest(
                requests: store, pluginState: store, keys: store, clock: clock,
                cleanup: { try? FileManager.default.removeItem(at: directory) })
        case .postgres:
            let url = try await TemporaryPostgresServer.shared().makeDatabase()
            let store = try await PostgresStore.connect(url: url, connections: 4, expiredRequestRetention: retention, clock: clock, connectTimeout: TemporaryPostgresServer.connectTimeout,
            operationDeadline: TemporaryPostgresServer.connectTimeout)
            let pool = Task { await store.run() }
            return StoreUnderTest(requests: store, pluginState: store, keys: store, clock: clock, cleanup: { pool.cancel() })
        }
    }

    func close() { cleanup() }
}

extension TemporaryPostgresServer {
    /// How long a test's store may take to connect and migrate, and an operation to get a connection: the whole
    /// suite on 2 cores shares one server, and a loaded machine can take longer than production's 10 s and 5 s.
    static let connectTimeout: Duration = .seconds(60)
}
