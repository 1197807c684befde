import BackchannelCore
import Foundation

/// A pending e-mail authentication as kept in the host's plugin state store.
struct EmailRecord: ConcludableRecord, Equatable {
    var authReqId: String
    var subject: String
    var clientName: String
    var scopes: [String]
    var bindingMessage: String?
    /// The salted SHA-256 of the one-time code the page asks for, when the configuration requires one.
    var codeHash: String?
    var codeSalt: String?
    var attempts: Int = 0
    var expiresAt: Date
    var conclusion: RecordedConclusion?
    /// What the user is asked to approve beyond the scopes; the mail and the page show all of it.
    var authorizationDetails: AuthorizationDetails?

    var result: BackchannelAuthenticationResult? {
        // RFC 8176 has no e-mail method; "user" records that the mailbox owner acted.
        conclusion?.result(subject: subject, amr: ["user"])
    }
}
