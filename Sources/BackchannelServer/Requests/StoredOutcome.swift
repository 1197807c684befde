import BackchannelCore
import Foundation

/// A request's state as SQL stores keep it: a state name and, for a conclusion, a JSON document.
public enum StoredOutcome {
    /// The state's name in a `state` column.
    public static func name(of state: PendingRequestState) -> String {
        switch state {
        case .pending: "pending"
        case .approved: "approved"
        case .denied: "denied"
        case .failed: "failed"
        case .expired: "expired"
        }
    }

    private struct Document: Codable {
        var subject: String?
        var acr: String?
        var amr: [String]?
        var authTime: Double?
        var extraClaims: [String: JSONValue]?
        var reason: String?
    }

    /// The JSON document of a concluded state, or `nil` for one that carries nothing.
    public static func document(of state: PendingRequestState) -> Data? {
        let document: Document
        switch state {
        case .approved(let attributes):
            document = Document(
                subject: attributes.subject, acr: attributes.acr, amr: attributes.amr, authTime: attributes.authTime.timeIntervalSince1970,
                extraClaims: attributes.extraClaims)
        case .denied(let reason), .failed(let reason):
            document = Document(reason: reason)
        case .pending, .expired:
            return nil
        }
        return try? JSONEncoder().encode(document)
    }

    /// Rebuilds a state from its stored name and document.
    /// - Throws: when the row is not one this code wrote.
    public static func state(name: String, document: Data?) throws -> PendingRequestState {
        let decoded = try document.map { try JSONDecoder().decode(Document.self, from: $0) }
        switch name {
        case "pending": return .pending
        case "expired": return .expired
        case "denied": return .denied(reason: decoded?.reason)
        case "failed": return .failed(reason: decoded?.reason)
        case "approved":
            guard let decoded, let subject = decoded.subject, let authTime = decoded.authTime else { throw CorruptRow(state: name) }
            return .approved(
                AuthenticationAttributes(
                    subject: subject, acr: decoded.acr, amr: decoded.amr ?? [], authTime: Date(timeIntervalSince1970: authTime),
                    extraClaims: decoded.extraClaims ?? [:]))
        default:
            throw CorruptRow(state: name)
        }
    }

    /// A stored row that does not decode.
    public struct CorruptRow: Error, CustomStringConvertible {
        /// The state name found.
        public var state: String
        public var description: String { "a stored request has an unreadable state '\(state)'" }
    }
}
