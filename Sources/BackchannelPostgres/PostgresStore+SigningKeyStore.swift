import BackchannelServer
import PostgresNIO

extension PostgresStore: SigningKeyStore {
    public func generatedSigningKey(create: @Sendable () -> String) async throws -> String {
        // The first node to insert wins; every node then reads the winner's key.
        let candidate = create()
        try await client.query("INSERT INTO backchannel_signing_key (id, pem) VALUES (1, \(candidate)) ON CONFLICT (id) DO NOTHING", logger: logger)
        for try await pem in try await client.query("SELECT pem FROM backchannel_signing_key WHERE id = 1", logger: logger).decode(String.self) {
            return pem
        }
        throw PostgresStoreError.invalidURL("the signing key row vanished")
    }
}
