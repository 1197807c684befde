import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Keeps the generated signing keys in a data directory, readable by the owner only: `signing-key.pem`
/// (ES256) and `signing-key-rs256.pem`.
public struct FileSigningKeyStore: SigningKeyStore {
    /// The directory.
    public let directory: URL

    /// Creates a store in `directory`, which is created (mode 0700) when needed.
    public init(directory: URL) {
        self.directory = directory
    }

    public func generatedSigningKey(algorithm: SigningAlgorithm, create: @Sendable () -> String) async throws -> String {
        let file = directory.appendingPathComponent(algorithm == .es256 ? "signing-key.pem" : "signing-key-\(algorithm.rawValue.lowercased()).pem")
        if let pem = try? String(contentsOf: file, encoding: .utf8) {
            guard pem.contains("PRIVATE KEY") || pem.hasPrefix(EncryptedSigningKeyStore.prefix) else {
                throw SigningKeyError(field: file.path, reason: "holds no PEM private key; delete it to generate a new key")
            }
            return pem
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let pem = create()
        // Written whole to a temporary file (owner-only from its creation), flushed, then linked into place:
        // a crash leaves either no key file or a complete one, never an empty key that blocks every restart.
        // link(2) fails when the name exists, so of two concurrent first starts one loses and reads the other's.
        let temporary = directory.appendingPathComponent(".\(file.lastPathComponent).\(getpid()).tmp")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw SigningKeyError(field: temporary.path, reason: "cannot be created") }
        defer { unlink(temporary.path) }
        let bytes = Array(pem.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written == bytes.count, synced else { throw SigningKeyError(field: temporary.path, reason: "cannot be written") }
        if link(temporary.path, file.path) != 0 {
            if errno == EEXIST, let pem = try? String(contentsOf: file, encoding: .utf8), pem.contains("PRIVATE KEY") || pem.hasPrefix(EncryptedSigningKeyStore.prefix) {
                return pem
            }
            throw SigningKeyError(field: file.path, reason: "cannot be created")
        }
        // The directory entry itself must reach the disk too.
        let directoryDescriptor = open(directory.path, O_RDONLY | O_DIRECTORY)
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
        return pem
    }
}
