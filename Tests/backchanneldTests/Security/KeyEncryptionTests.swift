import BackchannelCore
import BackchannelSQLite
import BackchannelServer
import Foundation
import Logging
import Testing

@testable import BackchannelHost

/// The generated signing key sealed at rest with a key-encryption key from the environment or a file.
@Suite("signing key encryption at rest")
struct KeyEncryptionTests {
    private static let kek = Data((0..<32).map { UInt8($0 * 7 % 256) }).base64EncodedString()

    private func assemble(_ directory: URL, environment: [String: String], file: String? = nil) async throws -> Data {
        var configuration = EmbeddedDefaults.configuration
        configuration.store = StoreSettings(kind: .sqlite, path: directory.appendingPathComponent("state.sqlite").path)
        configuration.store.keyEncryptionKeyFile = file
        let assembly = try await ServerAssembly.assemble(configuration, dataDirectory: directory, environment: environment, logger: Logger(label: "test"))
        return assembly.engine.keys.jwksDocument
    }

    @Test("sealed in the store, the same key on restart, and no start without the right key-encryption key")
    func sealedAtRest() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kek-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let environment = ["BACKCHANNEL_KEY_ENCRYPTION_KEY": Self.kek]
        let first = try await assemble(directory, environment: environment)

        let stored = try await SQLiteStore(path: directory.appendingPathComponent("state.sqlite").path).generatedSigningKey(algorithm: .es256) { "unused" }
        #expect(stored.hasPrefix(EncryptedSigningKeyStore.prefix))
        #expect(!stored.contains("PRIVATE KEY"))

        // The same key from a file works too, and signs with the same key.
        let file = directory.appendingPathComponent("kek").path
        try Self.kek.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try await assemble(directory, environment: [:], file: file) == first)

        let missing = await #expect(throws: ServerAssembly.Failure.self) { _ = try await assemble(directory, environment: [:]) }
        #expect("\(missing.map { "\($0)" } ?? "")".contains("BACKCHANNEL_KEY_ENCRYPTION_KEY"))
        let other = Data(repeating: 1, count: 32).base64EncodedString()
        await #expect(throws: ServerAssembly.Failure.self) { _ = try await assemble(directory, environment: ["BACKCHANNEL_KEY_ENCRYPTION_KEY": other]) }
        await #expect(throws: ServerAssembly.Failure.self) { _ = try await assemble(directory, environment: ["BACKCHANNEL_KEY_ENCRYPTION_KEY": "short"]) }
    }
}
