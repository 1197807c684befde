import BackchannelCore

/// The standard claims (OpenID Connect Core §5.1) this server can release, the scopes that ask for them
/// (§5.4), and where each comes from in the user directory.
///
/// `email` and `phone_number` come from a user's `email` and `phone_number`; every other claim from the
/// user's `attributes` under the claim's own name (`name`, `given_name`, `email_verified`, `address`, …),
/// so an operator releases a claim by configuring it, and a claim nobody configured is left out.
public enum StandardClaims {
    /// The claims each scope value asks for (OpenID Connect Core §5.4).
    public static let byScope: [String: [String]] = [
        "profile": [
            "name", "family_name", "given_name", "middle_name", "nickname", "preferred_username", "profile", "picture",
            "website", "gender", "birthdate", "zoneinfo", "locale", "updated_at",
        ],
        "email": ["email", "email_verified"],
        "address": ["address"],
        "phone": ["phone_number", "phone_number_verified"],
    ]

    /// Every claim about the user this server can release.
    public static let all: Set<String> = Set(byScope.values.joined())

    /// The claims the granted `scopes` ask for, in no particular order.
    static func claims(forScopes scopes: [String]) -> Set<String> {
        Set(scopes.compactMap { byScope[$0] }.joined())
    }

    /// The values of `names` for `user`: only those the directory holds.
    static func values(of names: Set<String>, for user: DirectoryUser) -> [String: JSONValue] {
        var values: [String: JSONValue] = [:]
        for name in names where all.contains(name) {
            switch name {
            case "email": if let email = user.email { values[name] = .string(email) }
            case "phone_number": if let phone = user.phoneNumber { values[name] = .string(phone) }
            default: if let value = user.attributes[name] { values[name] = value }
            }
        }
        return values
    }
}
