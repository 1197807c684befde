import BackchannelServer
import GRDB

extension SQLiteStore: SigningKeyStore {
    public func generatedSigningKey(algorithm: SigningAlgorithm, create: @Sendable () -> String) async throws -> String {
        try await database.write { db in
            if let pem = try String.fetchOne(db, sql: "SELECT pem FROM signing_key_by_algorithm WHERE algorithm = ?", arguments: [algorithm.rawValue]) {
                return pem
            }
            let pem = create()
            try db.execute(sql: "INSERT INTO signing_key_by_algorithm (algorithm, pem) VALUES (?, ?)", arguments: [algorithm.rawValue, pem])
            return pem
        }
    }
}
