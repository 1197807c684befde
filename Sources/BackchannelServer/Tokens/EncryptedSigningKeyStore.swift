import Crypto
import Foundation

/// Keeps the generated signing key sealed with AES-256-GCM under a key-encryption key the store never
/// sees (from a file or an environment variable), so a copy of a shared database does not give up the
/// key that signs every token.
///
/// The stored text is `backchannel-aes256gcm:v1:` followed by the base64 of nonce, ciphertext and tag.
/// A key stored in clear before encryption was configured is still read (and the host warns).
public struct EncryptedSigningKeyStore: SigningKeyStore {
    /// The prefix of a sealed key.
    public static let prefix = "backchannel-aes256gcm:v1:"

    private let inner: any SigningKeyStore
    private let key: SymmetricKey

    /// Wraps `inner`, sealing with `keyEncryptionKey` (32 bytes).
    /// - Throws: ``SigningKeyError`` when the key is not 32 bytes.
    public init(_ inner: any SigningKeyStore, keyEncryptionKey: [UInt8]) throws(SigningKeyError) {
        guard keyEncryptionKey.count == 32 else {
            throw SigningKeyError(field: "key encryption key", reason: "must be 32 bytes (base64 or hex of 32 random bytes)")
        }
        self.inner = inner
        self.key = SymmetricKey(data: keyEncryptionKey)
    }

    /// Reads a key-encryption key written as base64 or hex (surrounding white space ignored).
    public static func parseKey(_ text: String) -> [UInt8]? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.count == 64, trimmed.allSatisfy(\.isHexDigit) {
            var bytes: [UInt8] = []
            var index = trimmed.startIndex
            while index < trimmed.endIndex {
                let next = trimmed.index(index, offsetBy: 2)
                bytes.append(UInt8(trimmed[index..<next], radix: 16)!)
                index = next
            }
            return bytes
        }
        return Data(base64Encoded: trimmed).map(Array.init)
    }

    public func generatedSigningKey(algorithm: SigningAlgorithm, create: @Sendable () -> String) async throws -> String {
        let key = self.key
        let stored = try await inner.generatedSigningKey(algorithm: algorithm) {
            let pem = create()
            // Sealing a fresh PEM under a valid 32-byte key cannot fail; an empty result would fail loudly below.
            guard let sealed = try? AES.GCM.seal(Data(pem.utf8), using: key).combined else { return "" }
            return Self.prefix + sealed.base64EncodedString()
        }
        guard stored.hasPrefix(Self.prefix) else { return stored }
        guard let combined = Data(base64Encoded: String(stored.dropFirst(Self.prefix.count))),
            let box = try? AES.GCM.SealedBox(combined: combined), let opened = try? AES.GCM.open(box, using: key),
            let pem = String(data: opened, encoding: .utf8)
        else {
            throw SigningKeyError(field: "key encryption key", reason: "does not open the stored signing key (a different key?)")
        }
        return pem
    }
}
