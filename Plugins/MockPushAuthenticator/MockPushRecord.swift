import BackchannelCore
import Foundation

/// A push notification as the mock keeps it in the host's plugin state store, so any server process
/// can answer it and a restart loses nothing.
///
/// Kept lean, since it is encoded on every backchannel authentication request: the `auth_req_id` is the
/// record's key, not repeated in it, and the scopes are one space-separated string, as OAuth writes them
/// (a JSON array costs a third of the whole encoding). Records written with a `scopes` array still read.
struct MockPushRecord: ConcludableRecord, Equatable {
    var subject: String
    var clientName: String
    var scope: String
    var bindingMessage: String?
    var receivedAt: Date
    var expiresAt: Date
    var action: MockPushScript.Action
    var afterSeconds: Double
    var conclusion: RecordedConclusion?
    /// What the user is asked to approve beyond the scopes; absent (and not encoded) for most requests.
    var authorizationDetails: AuthorizationDetails

    init(
        subject: String, clientName: String, scopes: [String], bindingMessage: String?, receivedAt: Date, expiresAt: Date,
        action: MockPushScript.Action, afterSeconds: Double, conclusion: RecordedConclusion?, authorizationDetails: AuthorizationDetails = .none
    ) {
        self.subject = subject
        self.clientName = clientName
        self.scope = scopes.joined(separator: " ")
        self.bindingMessage = bindingMessage
        self.receivedAt = receivedAt
        self.expiresAt = expiresAt
        self.action = action
        self.afterSeconds = afterSeconds
        self.conclusion = conclusion
        self.authorizationDetails = authorizationDetails
    }

    private enum CodingKeys: String, CodingKey {
        case subject, clientName, scope, scopes, bindingMessage, receivedAt, expiresAt, action, afterSeconds, conclusion, authorizationDetails
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        subject = try container.decode(String.self, forKey: .subject)
        clientName = try container.decode(String.self, forKey: .clientName)
        scope = try container.decodeIfPresent(String.self, forKey: .scope)
            ?? container.decode([String].self, forKey: .scopes).joined(separator: " ")
        bindingMessage = try container.decodeIfPresent(String.self, forKey: .bindingMessage)
        receivedAt = try container.decode(Date.self, forKey: .receivedAt)
        expiresAt = try container.decode(Date.self, forKey: .expiresAt)
        action = try container.decode(MockPushScript.Action.self, forKey: .action)
        afterSeconds = try container.decode(Double.self, forKey: .afterSeconds)
        conclusion = try container.decodeIfPresent(RecordedConclusion.self, forKey: .conclusion)
        authorizationDetails = try container.decodeIfPresent(AuthorizationDetails.self, forKey: .authorizationDetails) ?? .none
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(subject, forKey: .subject)
        try container.encode(clientName, forKey: .clientName)
        try container.encode(scope, forKey: .scope)
        try container.encodeIfPresent(bindingMessage, forKey: .bindingMessage)
        try container.encode(receivedAt, forKey: .receivedAt)
        try container.encode(expiresAt, forKey: .expiresAt)
        try container.encode(action, forKey: .action)
        try container.encode(afterSeconds, forKey: .afterSeconds)
        try container.encodeIfPresent(conclusion, forKey: .conclusion)
        if !authorizationDetails.isEmpty { try container.encode(authorizationDetails, forKey: .authorizationDetails) }
    }

    /// The notification the device shows; `key` is the record's key, the request's `auth_req_id`.
    func notification(key: String) -> MockPushNotification {
        MockPushNotification(
            authReqId: AuthReqId(rawValue: key), subject: subject, clientName: clientName,
            scopes: scope.split(separator: " ").map(String.init), bindingMessage: bindingMessage, receivedAt: receivedAt, expiresAt: expiresAt,
            authorizationDetails: authorizationDetails)
    }

    /// When the scripted user answers, or `nil` for a silent one.
    var scriptedAnswerAt: Date? {
        action == .silent ? nil : receivedAt.addingTimeInterval(afterSeconds)
    }

    var result: BackchannelAuthenticationResult? {
        // No RFC 8176 method: a simulated device proves neither a key nor the user's presence.
        conclusion?.result(subject: subject, amr: [])
    }
}
