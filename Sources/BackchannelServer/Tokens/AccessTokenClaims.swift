import BackchannelCore
import JWTKit

/// The claims of an access token in the JWT profile of RFC 9068.
struct AccessTokenClaims: JWTPayload {
    var iss: String
    var sub: String
    var aud: String
    var exp: Int
    var iat: Int
    var jti: String
    var clientId: String
    var scope: String
    var authTime: Int
    var acr: String?
    var amr: [String]?
    /// The claims the client asked for at the UserInfo endpoint with the `claims` parameter, beyond its
    /// scopes: carried in the token, so the endpoint needs no state of its own.
    var userinfoClaims: [String]?
    /// `cnf` (RFC 8705 §3.1): the certificate the token is bound to.
    var cnf: Confirmation?
    /// The refresh-token family (grant) the token was issued with, if any: the token is valid only while the
    /// family is, so revoking the grant or detecting a reuse ends it too.
    var refreshFamily: String?
    /// `authorization_details` (RFC 9396 §9.1): what the user approved beyond the scopes.
    var authorizationDetails: JSONValue?

    /// A confirmation claim naming a certificate by its SHA-256 thumbprint.
    struct Confirmation: Codable, Equatable {
        var x5tS256: String

        private enum CodingKeys: String, CodingKey {
            case x5tS256 = "x5t#S256"
        }
    }

    private enum CodingKeys: String, CodingKey {
        case iss, sub, aud, exp, iat, jti, scope, acr, amr, cnf
        case clientId = "client_id"
        case authTime = "auth_time"
        case userinfoClaims = "userinfo_claims"
        case refreshFamily = "grant_id"
        case authorizationDetails = "authorization_details"
    }

    // The UserInfo endpoint checks issuer, audience and expiry itself, against its own clock.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
