import BackchannelServer
import GRDB

extension SQLiteStore: SigningKeyStore {
    public func generatedSigningKey(create: @Sendable () -> String) async throws -> String {
        try await database.write { db in
            if let pem = try String.fetchOne(db, sql: "SELECT pem FROM signing_key WHERE id = 1") { return pem }
            let pem = create()
            try db.execute(sql: "INSERT INTO signing_key (id, pem) VALUES (1, ?)", arguments: [pem])
            return pem
        }
    }
}
