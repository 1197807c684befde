import Foundation

/// How a plugin's per-request record concluded, as kept in plugin state.
public struct RecordedConclusion: Codable, Sendable, Hashable {
    /// The kinds of conclusion, matching ``BackchannelAuthenticationResult``.
    public enum Kind: String, Codable, Sendable, Hashable {
        /// The user approved.
        case approved
        /// The user refused.
        case denied
        /// The authentication could not be completed.
        case failed
    }

    /// What happened.
    public var kind: Kind
    /// When: for an approval, the `auth_time`.
    public var at: Date
    /// An explanation for the host's log (it becomes the result's `reason`); the client is told only a fixed description.
    public var reason: String?

    /// Creates a conclusion.
    public init(_ kind: Kind, at: Date, reason: String? = nil) {
        self.kind = kind
        self.at = at
        self.reason = reason
    }

    /// The result for the host: an approval authenticates `subject` with the methods `amr`.
    public func result(subject: String, amr: [String]) -> BackchannelAuthenticationResult {
        switch kind {
        case .approved: .approved(AuthenticationAttributes(subject: subject, amr: amr, authTime: at))
        case .denied: .denied(reason: reason)
        case .failed: .failed(reason: reason)
        }
    }
}
