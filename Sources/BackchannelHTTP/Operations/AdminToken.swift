import BackchannelCore
import Crypto
import Foundation

/// The admin token as the operations listener checks it (the admin API's bearer token, the console's
/// sign-in): compared in constant time, SHA-256 digest to digest, so neither the token's length nor its
/// bytes leak through timing.
struct AdminToken: Sendable {
    private let digest: String

    init(_ token: String) {
        digest = Self.digest(token)
    }

    /// Whether `presented` is the admin token.
    func matches(_ presented: String) -> Bool {
        ConstantTime.equals(Self.digest(presented), digest)
    }

    private static func digest(_ text: String) -> String {
        Hex.encode(Array(SHA256.hash(data: Data(text.utf8))))
    }
}
