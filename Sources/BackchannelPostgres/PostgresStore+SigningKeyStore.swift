import BackchannelServer
import PostgresNIO

extension PostgresStore: SigningKeyStore {
    /// Read at start-up, before the pool runs: on a connection of its own.
    public func generatedSigningKey(algorithm: SigningAlgorithm, create: @Sendable () -> String) async throws -> String {
        // The first node to insert wins; every node then reads the winner's key.
        let candidate = create()
        let (logger, name) = (self.logger, algorithm.rawValue)
        return try await withStartupConnection { connection in
            try await connection.checkedQuery(
                "INSERT INTO backchannel_signing_key_by_algorithm (algorithm, pem) VALUES (\(name), \(candidate)) ON CONFLICT (algorithm) DO NOTHING",
                logger: logger)
            for try await pem in try await connection.checkedQuery(
                "SELECT pem FROM backchannel_signing_key_by_algorithm WHERE algorithm = \(name)", logger: logger)
                .decode(String.self)
            {
                return pem
            }
            throw SigningKeyRowMissing()
        }
    }
}

/// The signing key's row was deleted between the insert and the read: someone is editing the table.
struct SigningKeyRowMissing: Error, CustomStringConvertible {
    var description: String { "backchannel_signing_key_by_algorithm has no row after inserting one" }
}
