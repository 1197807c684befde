import BackchannelCore
import Foundation

/// A push notification as the mock keeps it in the host's plugin state store, so any server process
/// can answer it and a restart loses nothing.
struct MockPushRecord: ConcludableRecord, Equatable {
    var authReqId: String
    var subject: String
    var clientName: String
    var scopes: [String]
    var bindingMessage: String?
    var receivedAt: Date
    var expiresAt: Date
    var action: MockPushScript.Action
    var afterSeconds: Double
    var conclusion: RecordedConclusion?

    var notification: MockPushNotification {
        MockPushNotification(
            authReqId: AuthReqId(rawValue: authReqId), subject: subject, clientName: clientName, scopes: scopes,
            bindingMessage: bindingMessage, receivedAt: receivedAt, expiresAt: expiresAt)
    }

    /// When the scripted user answers, or `nil` for a silent one.
    var scriptedAnswerAt: Date? {
        action == .silent ? nil : receivedAt.addingTimeInterval(afterSeconds)
    }

    var result: BackchannelAuthenticationResult? {
        // RFC 8176: "swk" (a software-secured key on the device) and "user" (user presence).
        conclusion?.result(subject: subject, amr: ["swk", "user"])
    }
}
