import Crypto
import Foundation

/// A client secret as the server keeps it: a salted SHA-256, compared in constant time.
///
/// Client secrets are high-entropy machine credentials, not passwords, so one salted hash suffices; the
/// salt keeps equal secrets of two clients from having equal digests.
struct ClientSecretDigest: Sendable, Hashable {
    private let salt: [UInt8]
    private let digest: [UInt8]

    init(secret: String, salt: [UInt8]) {
        self.salt = salt
        self.digest = Self.hash(secret, salt: salt)
    }

    func matches(_ candidate: String) -> Bool {
        let other = Self.hash(candidate, salt: salt)
        var difference: UInt8 = 0
        for index in digest.indices { difference |= digest[index] ^ other[index] }
        return difference == 0
    }

    static func == (lhs: ClientSecretDigest, rhs: ClientSecretDigest) -> Bool {
        lhs.salt == rhs.salt && lhs.digest == rhs.digest
    }

    func hash(into hasher: inout Hasher) {
        // The digest is uniformly distributed already: its bytes in one call, not one call per byte.
        digest.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    private static func hash(_ secret: String, salt: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: salt)
        hasher.update(data: Array(secret.utf8))
        return Array(hasher.finalize())
    }
}
