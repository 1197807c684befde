import BackchannelCore
import Foundation

/// A SCIM 2.0 User resource (RFC 7643 §4.1), as much of it as a directory user needs.
///
/// It becomes a ``DirectoryUser``: subject `id` (the service's stable identifier); login hints `userName`
/// and every e-mail address; `email` the primary address (else the first); `phone_number` the primary
/// number (else the first) when it is in E.164 form, spaces and dashes aside; claims `name`, `given_name`,
/// `family_name`, `preferred_username` (the `userName`) and `email_verified` (false: SCIM does not say).
/// An inactive user (`active: false`) is not imported.
struct SCIMUser: Decodable {
    struct Name: Decodable {
        var givenName: String?
        var familyName: String?
        var formatted: String?
    }

    struct MultiValued: Decodable {
        var value: String?
        var primary: Bool?
    }

    var id: String
    var userName: String?
    var displayName: String?
    var name: Name?
    var emails: [MultiValued]?
    var phoneNumbers: [MultiValued]?
    var active: Bool?

    /// The directory user, or why there is none.
    func directoryUser() -> Result<DirectoryUser, UserImportRefusal> {
        if active == false { return .failure(UserImportRefusal("inactive (active: false)")) }
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

/// Why an import skipped a record: a fixed phrase and the field at fault, never the record's values.
struct UserImportRefusal: Error, Equatable, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
