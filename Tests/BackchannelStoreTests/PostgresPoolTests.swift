import Testing

@testable import BackchannelPostgres

@Suite("PostgreSQL connection pool")
struct PostgresPoolTests {
    @Test("the pool is fixed-size without keep-alive, so no per-query timer task is armed")
    func fixedPool() throws {
        let configuration = try PostgresStore.configuration(url: "postgres://u@127.0.0.1:5432/db", connections: 6)
        #expect(configuration.options.minimumConnections == 6)
        #expect(configuration.options.maximumConnections == 6)
        #expect(configuration.options.keepAliveBehavior == nil)
        #expect(throws: PostgresStoreError.self) { try PostgresStore.configuration(url: "postgres://u@127.0.0.1:5432/db", connections: 0) }
    }
}
