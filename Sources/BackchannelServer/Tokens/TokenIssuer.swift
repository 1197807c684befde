import BackchannelCore
import Crypto
import Foundation
import JWTKit

/// Signs the access token and ID token of a redeemed request.
struct TokenIssuer: Sendable {
    let issuer: String
    let keys: SigningKeySet
    let policy: ServerPolicy
    let random: any RandomSource

    /// Signs the tokens.
    /// - Parameters:
    ///   - idTokenKid: The key that signs the ID token: the one of the algorithm the client registered.
    ///   - idTokenClaims: Claims about the user the client asked to find in the ID token.
    ///   - authReqId: For push mode: the `auth_req_id` the ID token names.
    ///   - certificateThumbprint: The `x5t#S256` the access token is bound to (RFC 8705 §3), if any.
    ///   - refreshFamily: The refresh-token family begun with these tokens, whose life the access token shares.
    func issue(
        for request: PendingRequest, attributes: AuthenticationAttributes, idTokenKid: String, idTokenClaims: [String: JSONValue] = [:],
        authReqId: String? = nil, certificateThumbprint: String? = nil, refreshFamily: String? = nil, now: Date
    ) async throws -> TokenResponse {
        let iat = Int(now.timeIntervalSince1970)
        let authTime = Int(attributes.authTime.timeIntervalSince1970)
        let acr = attributes.acr ?? request.acr
        let amr = attributes.amr.isEmpty ? nil : attributes.amr
        let scope = request.scopes.joined(separator: " ")
        let details = Self.authorizationDetails(request.authorizationDetails)

        let accessToken = try await signAccessToken(
            subject: attributes.subject, clientId: request.clientId, scope: scope, authTime: authTime, acr: acr, amr: amr,
            userinfoClaims: request.claims.userinfo.isEmpty ? nil : request.claims.userinfo.sorted(), certificateThumbprint: certificateThumbprint,
            refreshFamily: refreshFamily, authorizationDetails: details, iat: iat)

        var idHeader = JWTHeader()
        idHeader.typ = "JWT"
        let idToken = try await keys.collection.sign(
            IDTokenClaims(
                iss: issuer, sub: attributes.subject, aud: request.clientId, exp: iat + policy.idTokenLifetime, iat: iat,
                authTime: authTime, acr: acr, amr: amr, atHash: Self.atHash(accessToken), authReqId: authReqId,
                // What the directory says of the user wins over what an authenticator added under the same name.
                extra: attributes.extraClaims.merging(idTokenClaims) { _, directory in directory }
            ),
            kid: JWKIdentifier(string: idTokenKid),
            header: idHeader
        )
        return TokenResponse(
            accessToken: accessToken, tokenType: "Bearer", expiresIn: policy.accessTokenLifetime, idToken: idToken, scope: scope,
            authorizationDetails: details)
    }

    /// The stored canonical JSON of a request's authorization details as the value tokens carry; `nil` for none.
    static func authorizationDetails(_ canonicalJSON: String) -> JSONValue? {
        guard !canonicalJSON.isEmpty else { return nil }
        return try? JSONDecoder().decode(JSONValue.self, from: Data(canonicalJSON.utf8))
    }

    /// A new access token for what a refresh token grants, narrowed to `scopes`; no ID token (OpenID Connect
    /// Core §12.2 makes it optional, and the user did not authenticate again).
    /// - Parameter authorizationDetails: The details this access token carries: the grant's, or a subset the client named.
    func refreshed(
        _ grant: RefreshTokens.Grant, scopes: [String], authorizationDetails: JSONValue?, refreshToken: String, certificateThumbprint: String?,
        now: Date
    ) async throws -> TokenResponse {
        let authentication = grant.authentication
        let scope = scopes.joined(separator: " ")
        let accessToken = try await signAccessToken(
            subject: authentication.subject, clientId: authentication.clientId, scope: scope,
            authTime: Int(authentication.authTime.timeIntervalSince1970), acr: authentication.acr,
            amr: authentication.amr.isEmpty ? nil : authentication.amr,
            userinfoClaims: authentication.userinfoClaims.isEmpty ? nil : authentication.userinfoClaims, certificateThumbprint: certificateThumbprint,
            refreshFamily: grant.family, authorizationDetails: authorizationDetails, iat: Int(now.timeIntervalSince1970))
        return TokenResponse(
            accessToken: accessToken, tokenType: "Bearer", expiresIn: policy.accessTokenLifetime, idToken: nil, scope: scope, refreshToken: refreshToken,
            authorizationDetails: authorizationDetails)
    }

    private func signAccessToken(
        subject: String, clientId: String, scope: String, authTime: Int, acr: String?, amr: [String]?, userinfoClaims: [String]?,
        certificateThumbprint: String?, refreshFamily: String?, authorizationDetails: JSONValue?, iat: Int
    ) async throws -> String {
        var header = JWTHeader()
        header.typ = "at+jwt"  // RFC 9068 §2.1
        return try await keys.collection.sign(
            AccessTokenClaims(
                iss: issuer, sub: subject, aud: policy.accessTokenAudience ?? issuer, exp: iat + policy.accessTokenLifetime, iat: iat,
                jti: Base64URL.encode(random.bytes(count: 16)), clientId: clientId, scope: scope, authTime: authTime, acr: acr, amr: amr,
                userinfoClaims: userinfoClaims, cnf: certificateThumbprint.map { AccessTokenClaims.Confirmation(x5tS256: $0) },
                refreshFamily: refreshFamily, authorizationDetails: authorizationDetails),
            kid: JWKIdentifier(string: keys.activeKid),
            header: header
        )
    }

    /// `at_hash` (OpenID Connect Core §3.1.3.6): the left half of the SHA-256 of the access token, for
    /// the SHA-256-based algorithms both ES256 and RS256 are.
    static func atHash(_ accessToken: String) -> String {
        Base64URL.encode(SHA256.hash(data: Data(accessToken.utf8)).prefix(16))
    }
}
