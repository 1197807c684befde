import BackchannelCore
import Foundation

/// A pending SMS authentication as kept in the host's plugin state store.
struct SMSRecord: Codable, Sendable, Equatable {
    var authReqId: String
    var subject: String
    var clientName: String
    var scopes: [String]
    var bindingMessage: String?
    var code: String
    var attempts: Int
    var expiresAt: Date
    /// `approved`, `failed`, or `nil` while pending.
    var outcome: String?
    var outcomeAt: Date?
    var reason: String?

    var result: BackchannelAuthenticationResult? {
        switch outcome {
        case "approved":
            // RFC 8176: "sms" (confirmation by SMS) and "otp" (a one-time password).
            return .approved(AuthenticationAttributes(subject: subject, amr: ["sms", "otp"], authTime: outcomeAt ?? expiresAt))
        case "failed":
            return .failed(reason: reason)
        default:
            return nil
        }
    }
}
