import BackchannelCore
import Crypto
import Foundation

/// A pending push authentication: what the device fetches (the push carries only ``challengeId``) and
/// signs, and its conclusion.
struct PushChallenge: ConcludableRecord, Equatable {
    var authReqId: String
    /// The opaque id the push carries; the key of the device's lookups.
    var challengeId: String
    var subject: String
    var clientName: String
    var scopes: [String]
    var bindingMessage: String?
    /// A fresh random value the answer's signature covers, so no answer fits another challenge.
    var nonce: String
    /// With number matching: the choices the device shows, one of them the binding message.
    var choices: [String]?
    /// The devices it was sent to.
    var devices: [String]
    var failedDevices: [String] = []
    var expiresAt: Date
    /// What the answer proved, for the ID token's `amr`.
    var amr: [String] = []
    var conclusion: RecordedConclusion?
    /// What the user is asked to approve beyond the scopes: the device shows every entry, and its answer signs
    /// the SHA-256 of the canonical JSON it showed.
    var authorizationDetails: AuthorizationDetails?

    var result: BackchannelAuthenticationResult? {
        conclusion?.result(subject: subject, amr: amr)
    }

    /// The SHA-256 of what the user is asked to approve, in a fixed layout: the device signs it, so an
    /// answer to a request whose details changed does not verify.
    var requestHash: String {
        let text = ["client=\(clientName)", "scopes=\(scopes.joined(separator: " "))", "binding_message=\(bindingMessage ?? "")",
            "challenge=\(challengeId)"].joined(separator: "\n")
        return Base64URL.encode(SHA256.hash(data: Data(text.utf8)))
    }
}
