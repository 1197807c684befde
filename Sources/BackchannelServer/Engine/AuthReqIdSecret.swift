import BackchannelCore
import Crypto
import Foundation

/// An `auth_req_id` as handed to the client, and the hash by which everything else knows it.
///
/// 256 bits of CSPRNG output, base64url without padding: unguessable (CIBA §7.3 asks for that; 128 bits
/// is the floor), URL-safe, and opaque. Only its SHA-256 is stored or shown to plugins, so neither a
/// leaked database nor a plugin can redeem a request.
struct AuthReqIdSecret: Sendable {
    let value: String
    /// The SHA-256 of ``value``, base64url: computed once.
    let hash: String

    init(random: any RandomSource) {
        self.init(presented: Base64URL.encode(random.bytes(count: 32)))
    }

    init(presented: String) {
        self.value = presented
        self.hash = Self.hash(presented)
    }

    static func hash(_ value: String) -> String {
        Base64URL.encode(SHA256.hash(data: Data(value.utf8)))
    }
}
