import Foundation

/// What an authenticator asserts about a user who approved: the facts the ID token carries.
public struct AuthenticationAttributes: Sendable, Hashable {
    /// The authenticated user's subject identifier (`sub`).
    public var subject: String
    /// The authentication context class reference achieved (`acr`), when the authenticator asserts one;
    /// the host otherwise uses the one configured for the authenticator.
    public var acr: String?
    /// The authentication methods used (`amr`, RFC 8176 values such as `"sms"`, `"otp"`, `"user"`).
    public var amr: [String]
    /// When the user authenticated (`auth_time`).
    public var authTime: Date
    /// Further claims to put in the ID token.
    public var extraClaims: [String: JSONValue]

    /// Creates the attributes of an authentication.
    public init(
        subject: String,
        acr: String? = nil,
        amr: [String] = [],
        authTime: Date,
        extraClaims: [String: JSONValue] = [:]
    ) {
        self.subject = subject
        self.acr = acr
        self.amr = amr
        self.authTime = authTime
        self.extraClaims = extraClaims
    }
}
