import Crypto
import Foundation

/// Seals what the ping/push outbox must keep readable until delivered (the raw `auth_req_id`, the client's
/// `client_notification_token`, a push notification's tokens) with AES-256-GCM under a key derived from
/// the store's key-encryption key, bound to the request's hash: a copy of the store gives none of them,
/// and a sealed value cannot be moved to another request's row. Without a key (a store in this process's
/// memory) values are kept as they are.
public struct OutboxSeal: Sendable {
    private let key: SymmetricKey?

    static let textPrefix = "sealed:v1:"
    static let dataPrefix = Data("BCSEAL1".utf8)

    /// Keeps values as they are: for stores that hold nothing at rest.
    public static let none = OutboxSeal(key: nil)

    private init(key: SymmetricKey?) {
        self.key = key
    }

    /// Seals under a key derived (HKDF-SHA256) from the store's 32-byte key-encryption key.
    public init(keyEncryptionKey: [UInt8]) {
        self.key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: keyEncryptionKey), info: Data("backchannel outbox v1".utf8), outputByteCount: 32)
    }

    /// Whether values are sealed.
    public var seals: Bool { key != nil }

    /// A sealing or opening failed: the value was not sealed under this key, or not for this request.
    struct Unopenable: Error, CustomStringConvertible {
        var description: String { "an outbox value does not open under this store's key-encryption key" }
    }

    func seal(_ text: String, for hash: String) -> String {
        guard let key, let sealed = try? AES.GCM.seal(Data(text.utf8), using: key, authenticating: Data(hash.utf8)).combined else { return text }
        return Self.textPrefix + sealed.base64EncodedString()
    }

    /// The text sealed for `hash`; a value that was never sealed (kept before sealing was configured) as it is.
    func open(_ stored: String, for hash: String) throws -> String {
        guard stored.hasPrefix(Self.textPrefix) else { return stored }
        guard let key, let combined = Data(base64Encoded: String(stored.dropFirst(Self.textPrefix.count))),
            let box = try? AES.GCM.SealedBox(combined: combined), let opened = try? AES.GCM.open(box, using: key, authenticating: Data(hash.utf8)),
            let text = String(data: opened, encoding: .utf8)
        else { throw Unopenable() }
        return text
    }

    func seal(_ data: Data, for hash: String) -> Data {
        guard let key, let sealed = try? AES.GCM.seal(data, using: key, authenticating: Data(hash.utf8)).combined else { return data }
        return Self.dataPrefix + sealed
    }

    func open(_ stored: Data, for hash: String) throws -> Data {
        guard stored.starts(with: Self.dataPrefix) else { return stored }
        guard let key, let box = try? AES.GCM.SealedBox(combined: stored.dropFirst(Self.dataPrefix.count)),
            let opened = try? AES.GCM.open(box, using: key, authenticating: Data(hash.utf8))
        else { throw Unopenable() }
        return opened
    }
}
