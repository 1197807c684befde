import BackchannelCore
import Foundation

/// A pending e-mail authentication as kept in the host's plugin state store.
struct EmailRecord: Codable, Sendable, Equatable {
    var authReqId: String
    var subject: String
    var clientName: String
    var scopes: [String]
    var bindingMessage: String?
    var linkToken: String
    /// The one-time code the page asks for, when the configuration requires one.
    var code: String?
    var attempts: Int = 0
    var expiresAt: Date
    /// `approved`, `denied`, `failed`, or `nil` while pending.
    var outcome: String?
    var outcomeAt: Date?
    var reason: String?

    var result: BackchannelAuthenticationResult? {
        switch outcome {
        case "approved":
            // RFC 8176 has no e-mail method; "user" records that the mailbox owner acted.
            return .approved(AuthenticationAttributes(subject: subject, amr: ["user"], authTime: outcomeAt ?? expiresAt))
        case "denied": return .denied(reason: reason)
        case "failed": return .failed(reason: reason)
        default: return nil
        }
    }
}
