import BackchannelTesting
import Foundation
import Testing

@testable import BackchannelPostgres

@Suite("PostgreSQL soft state", .timeLimit(.minutes(2)), .enabled(if: StoreKind.postgresInstalled, "PostgreSQL is not installed"))
struct PostgresSoftStateTests {
    @Test("the abuse limits' tables are unlogged, the durable ones are not")
    func limitTablesUnlogged() async throws {
        let url = try await TemporaryPostgresServer.shared().makeDatabase()
        let store = try await PostgresStore.connect(url: url, connections: 1, connectTimeout: TemporaryPostgresServer.connectTimeout,
            operationDeadline: TemporaryPostgresServer.connectTimeout)
        let pool = Task { await store.run() }
        defer { pool.cancel() }
        let rows = try await store.client.query(
            "SELECT relname, relpersistence::TEXT FROM pg_class WHERE relkind = 'r' AND relname LIKE 'backchannel_%'", logger: store.logger)
        var persistence: [String: String] = [:]
        for (name, kind) in try rows.map({ try $0.decode((String, String).self) }) { persistence[name] = kind }
        for table in ["backchannel_limit_bucket", "backchannel_limit_member", "backchannel_limit_count"] {
            #expect(persistence[table] == "u", "\(table)")
        }
        for table in ["backchannel_pending_request", "backchannel_plugin_state"] {
            #expect(persistence[table] == "p", "\(table)")
        }
    }
}
