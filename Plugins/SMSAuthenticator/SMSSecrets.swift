import BackchannelCore
import Crypto
import Foundation

/// The SMS authenticator's secrets as it stores them: hashes only.
enum SMSSecrets {
    /// Lower-case hex of SHA-256.
    static func sha256(_ text: String) -> String {
        Hex.encode(SHA256.hash(data: Data(text.utf8)))
    }

    /// The salted hash of a code.
    static func codeHash(_ code: String, salt: String) -> String {
        sha256(salt + ":" + code)
    }
}
