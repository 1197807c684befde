import BackchannelPostgres
import BackchannelServer
import BackchannelTesting
import Foundation
import Testing

/// PostgreSQL beyond loopback only over TLS, and an unreachable server is an error in bounded time.
@Suite("PostgreSQL connection safety", .timeLimit(.minutes(2)))
struct PostgresConnectionSafetyTests {
    @Test("sslmode=disable is refused for a host beyond loopback; TLS is the default there")
    func tlsBeyondLoopback() async throws {
        await #expect(throws: PostgresStoreError.self) {
            _ = try await PostgresStore.connect(url: "postgres://u:p@db.example.com/backchannel?sslmode=disable", connectTimeout: .milliseconds(100))
        }
    }

    @Test("an unreachable server fails start-up, naming it, instead of waiting for it")
    func unreachable() async throws {
        let port = try LoopbackPort.free()
        let error = await #expect(throws: PostgresStoreError.self) {
            _ = try await PostgresStore.connect(url: "postgres://u:p@127.0.0.1:\(port)/backchannel", connectTimeout: .seconds(1))
        }
        #expect("\(error.map { "\($0)" } ?? "")".contains("127.0.0.1:\(port)"))
        // Bounded, not instant (6 ms alone, 40 s seen beside the whole suite on two busy cores): an unbounded
        // wait would run into the suite's time limit, which is what fails it.
    }
}
