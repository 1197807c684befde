import BackchannelCore
import Crypto
import Foundation

/// The messages a device signs with its enrolled key (ECDSA P-256 with SHA-256, the 64-byte raw signature,
/// base64url): each a fixed label and fields one per line, so no message of one kind reads as another.
enum PushSignedMessage {
    /// A request for a challenge's details or for the list of pending ones: `challengeId` empty for the
    /// list; `timestamp` in Unix seconds, accepted within a minute of the server's clock.
    static func fetch(deviceId: String, challengeId: String, timestamp: Int) -> Data {
        Data(["backchannel-push/v1 fetch", deviceId, challengeId, String(timestamp)].joined(separator: "\n").utf8)
    }

    /// An answer: `decision` is `approve` or `deny`; `picked` the choice picked under number matching (else
    /// empty); `userVerified` whether the device verified the user locally (biometrics, PIN). For a challenge
    /// with authorization details, a ninth line: `authorizationDetailsDigest`, the base64url SHA-256 of the
    /// `authorization_details` text the device showed.
    static func answer(
        challengeId: String, requestHash: String, bindingMessage: String, nonce: String, decision: String, picked: String, userVerified: Bool,
        authorizationDetailsDigest: String? = nil
    ) -> Data {
        var lines = ["backchannel-push/v1 answer", challengeId, requestHash, bindingMessage, nonce, decision, picked, userVerified ? "uv" : "-"]
        if let authorizationDetailsDigest { lines.append(authorizationDetailsDigest) }
        return Data(lines.joined(separator: "\n").utf8)
    }

    /// Whether `raw` (x ‖ y) is a point of P-256.
    static func isPublicKey(_ raw: Data) -> Bool {
        (try? P256.Signing.PublicKey(rawRepresentation: raw)) != nil
    }

    /// Whether `signature` (base64url raw) over `message` verifies with `publicKey` (base64url raw x ‖ y).
    static func verify(_ signature: String, over message: Data, publicKey: String) -> Bool {
        guard let keyBytes = Base64URL.decode(publicKey), let key = try? P256.Signing.PublicKey(rawRepresentation: keyBytes),
            let signatureBytes = Base64URL.decode(signature), let parsed = try? P256.Signing.ECDSASignature(rawRepresentation: signatureBytes)
        else { return false }
        return key.isValidSignature(parsed, for: message)
    }
}
