import BackchannelBuiltIns
import BackchannelCore
import BackchannelSQLite
import BackchannelTesting
import BackchannelServer
import Foundation
import JWTKit
import Logging
import Synchronization
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
        let assembly = try await ServerAssembly.assemble(configuration, components: try .builtIn(), dataDirectory: directory, environment: environment, logger: Logger(label: "test"))
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

    private static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kek-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test("with no key-encryption key configured, SQLite's generated signing key is sealed under one generated into the data directory (0600)")
    func sealedByDefault() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try await assemble(directory, environment: [:])
        let stored = try await SQLiteStore(path: directory.appendingPathComponent("state.sqlite").path).generatedSigningKey(algorithm: .es256) { "unused" }
        #expect(stored.hasPrefix(EncryptedSigningKeyStore.prefix) && !stored.contains("PRIVATE KEY"))
        let keyFile = directory.appendingPathComponent(GeneratedKeyEncryptionKey.fileName).path
        let attributes = try FileManager.default.attributesOfItem(atPath: keyFile)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        // The next start reads the same key-encryption key and signs with the same key.
        #expect(try await assemble(directory, environment: [:]) == first)
        // A copy of the database without the key-encryption key opens nothing.
        try FileManager.default.removeItem(atPath: keyFile)
        await #expect(throws: ServerAssembly.Failure.self) { _ = try await assemble(directory, environment: [:]) }
    }

    @Test("a generated key-encryption key file readable by others, or a symbolic link, is refused")
    func generatedKeyFileChecked() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try await assemble(directory, environment: [:])
        let keyFile = directory.appendingPathComponent(GeneratedKeyEncryptionKey.fileName).path
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: keyFile)
        await #expect(throws: ServerAssembly.Failure.self) { _ = try await assemble(directory, environment: [:]) }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyFile)
        let real = directory.appendingPathComponent("elsewhere.key").path
        try FileManager.default.moveItem(atPath: keyFile, toPath: real)
        try FileManager.default.createSymbolicLink(atPath: keyFile, withDestinationPath: real)
        await #expect(throws: ServerAssembly.Failure.self) { _ = try await assemble(directory, environment: [:]) }
    }

    @Test("an unsealed signing key in the store is refused once a key-encryption key is configured")
    func unsealedKeyRefused() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let planted = ES256PrivateKey().pemRepresentation
        _ = try await SQLiteStore(path: directory.appendingPathComponent("state.sqlite").path).generatedSigningKey(algorithm: .es256) { planted }
        let refused = await #expect(throws: ServerAssembly.Failure.self) {
            _ = try await assemble(directory, environment: ["BACKCHANNEL_KEY_ENCRYPTION_KEY": Self.kek])
        }
        #expect("\(refused.map { "\($0)" } ?? "")".contains("not sealed"))
    }

    @Test("PostgreSQL without a key-encryption key refuses to generate an unsealed signing key, before connecting, unless the configuration says so")
    func postgresNeedsAKeyEncryptionKey() async throws {
        var configuration = EmbeddedDefaults.configuration
        // Nothing listens there: the refusal comes before any connection is tried.
        configuration.store = StoreSettings(kind: .postgres, url: "postgres://backchannel@127.0.0.1:9/backchannel")
        let refused = await #expect(throws: ServerAssembly.Failure.self) {
            _ = try await ServerAssembly.assemble(configuration, components: try .builtIn(), dataDirectory: nil, environment: [:], logger: Logger(label: "test"))
        }
        #expect("\(refused.map { "\($0)" } ?? "")".contains("allow_unsealed_signing_key"))
        configuration.store.allowUnsealedSigningKey = true
        #expect(throws: Never.self) { try ServerAssembly.checkUnsealedAllowed(configuration, shared: true) }
        configuration.store.allowUnsealedSigningKey = false
        configuration.keys = [SigningKeyConfiguration(algorithm: .es256, privateKeyPem: ES256PrivateKey().pemRepresentation)]
        #expect(throws: Never.self) { try ServerAssembly.checkUnsealedAllowed(configuration, shared: true) }
    }

    @Test("a sealed key is bound to its algorithm and kid: moved to another algorithm's slot, or relabelled, it does not open")
    func associatedDataBound() async throws {
        let slots = SlotStore()
        let sealing = try EncryptedSigningKeyStore(slots, keyEncryptionKey: Array(Data(base64Encoded: Self.kek)!))
        let pem = try await sealing.generatedSigningKey(algorithm: .es256) { ES256PrivateKey().pemRepresentation }
        #expect(pem.contains("PRIVATE KEY"))
        let sealed = try #require(slots.value(.es256))
        // The ES256 record in the RS256 slot.
        slots.set(.rs256, sealed)
        await #expect(throws: SigningKeyError.self) { _ = try await sealing.generatedSigningKey(algorithm: .rs256) { "" } }
        // The same ciphertext under another kid.
        let parts = sealed.split(separator: ":", maxSplits: 3).map(String.init)
        slots.set(.es256, [parts[0], parts[1], "another-kid", parts[3]].joined(separator: ":"))
        await #expect(throws: SigningKeyError.self) { _ = try await sealing.generatedSigningKey(algorithm: .es256) { "" } }
    }
}

/// A signing-key store that is a dictionary, whose slots a test can rewrite.
private final class SlotStore: SigningKeyStore {
    private let slots = Mutex<[SigningAlgorithm: String]>([:])
    func value(_ algorithm: SigningAlgorithm) -> String? { slots.withLock { $0[algorithm] } }
    func set(_ algorithm: SigningAlgorithm, _ text: String) { slots.withLock { $0[algorithm] = text } }
    func generatedSigningKey(algorithm: SigningAlgorithm, create: @Sendable () -> String) async throws -> String {
        slots.withLock { slots in
            if let stored = slots[algorithm] { return stored }
            let made = create()
            slots[algorithm] = made
            return made
        }
    }
}
