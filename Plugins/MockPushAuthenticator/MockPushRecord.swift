import BackchannelCore
import Foundation

/// A push notification as the mock keeps it in the host's plugin state store, so any server process
/// can answer it and a restart loses nothing.
struct MockPushRecord: Codable, Sendable, Equatable {
    /// The conclusion, once there is one.
    struct Outcome: Codable, Sendable, Equatable {
        var kind: String  // approved | denied | failed
        var at: Date
        var reason: String?
    }

    var authReqId: String
    var subject: String
    var clientName: String
    var scopes: [String]
    var bindingMessage: String?
    var receivedAt: Date
    var expiresAt: Date
    var action: MockPushScript.Action
    var afterSeconds: Double
    var outcome: Outcome?

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
        guard let outcome else { return nil }
        switch outcome.kind {
        case "approved":
            // RFC 8176: "swk" (a software-secured key on the device) and "user" (user presence).
            return .approved(AuthenticationAttributes(subject: subject, amr: ["swk", "user"], authTime: outcome.at))
        case "denied": return .denied(reason: outcome.reason)
        default: return .failed(reason: outcome.reason)
        }
    }
}
