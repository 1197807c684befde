import BackchannelCore
import Foundation

/// A pending SMS authentication as kept in the host's plugin state store.
struct SMSRecord: ConcludableRecord, Equatable {
    var authReqId: String
    var subject: String
    var clientName: String
    var scopes: [String]
    var bindingMessage: String?
    /// The code's salted SHA-256, never the code: a store reader learns no live code at a glance.
    var codeHash: String
    var codeSalt: String
    var attempts: Int
    var expiresAt: Date
    var conclusion: RecordedConclusion?
    /// What the user is asked to approve beyond the scopes; the page shows all of it.
    var authorizationDetails: AuthorizationDetails?

    var result: BackchannelAuthenticationResult? {
        // RFC 8176: "sms" (confirmation by SMS) and "otp" (a one-time password).
        conclusion?.result(subject: subject, amr: ["sms", "otp"])
    }
}

/// One user's wrong SMS codes within the current window, across all their requests.
struct SMSSubjectFailures: Codable, Equatable {
    var count: Int
    var windowStart: Date
}
