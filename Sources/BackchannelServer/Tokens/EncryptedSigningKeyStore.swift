import Crypto
import Foundation

/// Keeps the generated signing key sealed with AES-256-GCM under a key-encryption key the store never
/// sees (from a file, an environment variable, or one the host generated into its data directory), so a
/// copy of the database (a backup, a WAL file) does not give up the key that signs every token.
///
/// The stored text is `backchannel-aes256gcm:v2:`, the key's `kid`, `:`, then the base64 of nonce,
/// ciphertext and tag; the algorithm and the `kid` are bound as associated data, so a sealed key cannot be
/// moved to another algorithm's slot or passed off under another `kid`. A key sealed by the first version
/// (`v1`, without associated data) is still read. A key stored in clear is refused: once a key-encryption
/// key is configured, an unsealed key in the store is something nobody here put there.
public struct EncryptedSigningKeyStore: SigningKeyStore {
    /// The prefix of a sealed key of either version.
    public static let prefix = "backchannel-aes256gcm:"
    static let currentPrefix = prefix + "v2:"
    static let firstPrefix = prefix + "v1:"

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

    /// What the seal authenticates besides the key: its algorithm and `kid`.
    static func associatedData(algorithm: SigningAlgorithm, kid: String) -> Data {
        Data("backchannel signing key\n\(algorithm.rawValue)\n\(kid)".utf8)
    }

    public func generatedSigningKey(algorithm: SigningAlgorithm, create: @Sendable () -> String) async throws -> String {
        let key = self.key
        let stored = try await inner.generatedSigningKey(algorithm: algorithm) {
            let pem = create()
            // Sealing a fresh key under a valid 32-byte key cannot fail; an empty result fails loudly below.
            guard let kid = SigningKeySet.generatedKid(ofPEM: pem, algorithm: algorithm),
                let sealed = try? AES.GCM.seal(Data(pem.utf8), using: key, authenticating: Self.associatedData(algorithm: algorithm, kid: kid)).combined
            else { return "" }
            return Self.currentPrefix + kid + ":" + sealed.base64EncodedString()
        }
        let unopenable = SigningKeyError(field: "key encryption key", reason: "does not open the stored signing key: give the one it was sealed with in store.key_encryption_key_file or BACKCHANNEL_KEY_ENCRYPTION_KEY")
        if stored.hasPrefix(Self.currentPrefix) {
            let body = stored.dropFirst(Self.currentPrefix.count)
            guard let colon = body.firstIndex(of: ":") else { throw unopenable }
            let kid = String(body[..<colon])
            guard let combined = Data(base64Encoded: String(body[body.index(after: colon)...])), let box = try? AES.GCM.SealedBox(combined: combined),
                let opened = try? AES.GCM.open(box, using: key, authenticating: Self.associatedData(algorithm: algorithm, kid: kid)),
                let pem = String(data: opened, encoding: .utf8), SigningKeySet.generatedKid(ofPEM: pem, algorithm: algorithm) == kid
            else { throw unopenable }
            return pem
        }
        if stored.hasPrefix(Self.firstPrefix) {
            guard let combined = Data(base64Encoded: String(stored.dropFirst(Self.firstPrefix.count))),
                let box = try? AES.GCM.SealedBox(combined: combined), let opened = try? AES.GCM.open(box, using: key),
                let pem = String(data: opened, encoding: .utf8)
            else { throw unopenable }
            return pem
        }
        throw SigningKeyError(
            field: "key encryption key",
            reason: "the stored \(algorithm.rawValue) signing key is not sealed, and a sealed one is expected: refusing a key in clear "
                + "that anyone with write access to the store could have put there. Remove it from the store to generate a sealed one")
    }
}
