import BackchannelCore
import Foundation

/// A pending SMS authentication as kept in the host's plugin state store.
struct SMSRecord: ConcludableRecord, Equatable {
    var authReqId: String
    var subject: String
    var clientName: String
    var scopes: [String]
    var bindingMessage: String?
    var code: String
    var attempts: Int
    var expiresAt: Date
    var conclusion: RecordedConclusion?

    var result: BackchannelAuthenticationResult? {
        // RFC 8176: "sms" (confirmation by SMS) and "otp" (a one-time password).
        conclusion?.result(subject: subject, amr: ["sms", "otp"])
    }
}
