import BackchannelCore
import BackchannelServer
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The key-encryption key a server generates on its first start when none is configured, so that the
/// signing key it generates is sealed by default: `key-encryption.key` in the data directory, 32 random
/// bytes in base64, owner-only (mode 0600). A copy of the database alone (a backup, its WAL) then holds
/// nothing that signs a token.
enum GeneratedKeyEncryptionKey {
    static let fileName = "key-encryption.key"

    /// The key in `directory`, made now when it does not exist.
    /// - Throws: a reason, when the file cannot be made, read, is not owner-only, or holds no key.
    static func load(in directory: URL, random: any RandomSource) throws(ServerAssembly.Failure) -> [UInt8] {
        let path = directory.appendingPathComponent(fileName).path
        let field = "store.key_encryption_key_file"
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .keyEncryption(field: field, reason: "cannot create \(directory.path) for a generated key-encryption key")
        }
        // O_EXCL: of two first starts, one writes the key and the other reads it.
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        if descriptor >= 0 {
            let text = Array((Data(random.bytes(count: 32)).base64EncodedString() + "\n").utf8)
            let written = text.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            let synced = fsync(descriptor) == 0
            close(descriptor)
            guard written == text.count, synced else {
                unlink(path)
                throw .keyEncryption(field: field, reason: "cannot write the generated key-encryption key to \(path)")
            }
        } else if errno != EEXIST {
            throw .keyEncryption(field: field, reason: "cannot create \(path)")
        }
        // Read back through a descriptor that follows no link, and only from an owner-only file of this user.
        let reading = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard reading >= 0 else { throw .keyEncryption(field: field, reason: "cannot read \(path) (a symbolic link is refused)") }
        defer { close(reading) }
        var status = stat()
        guard fstat(reading, &status) == 0, status.st_mode & S_IFMT == S_IFREG, status.st_uid == geteuid(), status.st_mode & 0o077 == 0 else {
            throw .keyEncryption(field: field, reason: "\(path) must be a regular file of this user, readable by it alone (chmod 600)")
        }
        var bytes = [UInt8](repeating: 0, count: 256)
        let count = bytes.withUnsafeMutableBytes { read(reading, $0.baseAddress, $0.count) }
        guard count > 0, let key = EncryptedSigningKeyStore.parseKey(String(decoding: bytes[..<count], as: UTF8.self)), key.count == 32 else {
            throw .keyEncryption(field: field, reason: "\(path) holds no key-encryption key (32 random bytes, base64)")
        }
        return key
    }
}
