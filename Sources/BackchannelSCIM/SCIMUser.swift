import BackchannelCore
import Foundation

/// A SCIM 2.0 User resource (RFC 7643 §4.1), as much of it as a directory user needs: what an import reads
/// from a `ListResponse` and what the `scim` directory reads from a SCIM service, mapped the same way.
///
/// It becomes a ``DirectoryUser``: subject `id` (the service's stable identifier); login hints `userName`
/// and every e-mail address; `email` the primary address (else the first); `phone_number` the primary
/// number (else the first) when it is in E.164 form, spaces and dashes aside; claims `name`, `given_name`,
/// `family_name`, `preferred_username` (the `userName`) and `email_verified` (false: SCIM does not say).
/// An inactive user (`active: false`) is not imported.
public struct SCIMUser: Decodable, Sendable {
    /// `name`.
    public struct Name: Decodable, Sendable {
        /// `givenName`.
        public var givenName: String?
        /// `familyName`.
        public var familyName: String?
        /// `formatted`: the full name.
        public var formatted: String?
    }

    /// An entry of `emails` or `phoneNumbers`.
    public struct MultiValued: Decodable, Sendable {
        /// The address or number.
        public var value: String?
        /// Whether it is the primary one.
        public var primary: Bool?
    }

    /// The service's stable identifier: the subject.
    public var id: String
    /// `userName`: a login hint.
    public var userName: String?
    /// `displayName`.
    public var displayName: String?
    /// `name`.
    public var name: Name?
    /// `emails`.
    public var emails: [MultiValued]?
    /// `phoneNumbers`.
    public var phoneNumbers: [MultiValued]?
    /// `active`: `false` is no user.
    public var active: Bool?

    /// The directory user, or why there is none.
    public func directoryUser() -> Result<DirectoryUser, SCIMUserRefusal> {
        if active == false { return .failure(SCIMUserRefusal("inactive (active: false)")) }
        let emails = Self.ordered(emails)
        let phones = Self.ordered(phoneNumbers)
        var attributes: [String: JSONValue] = [:]
        if let full = name?.formatted ?? displayName { attributes["name"] = .string(full) }
        if let given = name?.givenName { attributes["given_name"] = .string(given) }
        if let family = name?.familyName { attributes["family_name"] = .string(family) }
        if let userName { attributes["preferred_username"] = .string(userName) }
        if !emails.isEmpty { attributes["email_verified"] = .bool(false) }
        var hints: [String] = []
        for hint in [userName].compactMap({ $0 }) + emails where !hints.contains(hint) && hint != id { hints.append(hint) }
        return .success(
            DirectoryUser(
                subject: id, loginHints: hints, phoneNumber: phones.lazy.compactMap(DirectoryIndexKey.phoneNumber).first, email: emails.first,
                attributes: attributes))
    }

    /// The values, the primary one first.
    private static func ordered(_ values: [MultiValued]?) -> [String] {
        let values = values ?? []
        return (values.filter { $0.primary == true } + values.filter { $0.primary != true }).compactMap(\.value).filter { !$0.isEmpty }
    }
}

/// Why a SCIM resource is no directory user: a fixed phrase and the field at fault, never the record's values.
public struct SCIMUserRefusal: Error, Equatable, CustomStringConvertible {
    /// Why.
    public let description: String

    /// A refusal.
    public init(_ description: String) {
        self.description = description
    }
}
