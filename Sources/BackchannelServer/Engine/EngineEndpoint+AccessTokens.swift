import BackchannelCore
import Crypto
import Foundation
import JWTKit

/// What several endpoints check of an access token: its signature and claims, its revocation, and the
/// claims it releases.
extension EngineEndpoint {
    /// Where revoked access tokens are remembered (by their `jti`'s hash) until they would have expired:
    /// the shared plugin-state store, so every node refuses them.
    static var revokedNamespace: String { "backchannel.revoked_access_token" }

    /// An access token this server signed, of the access-token type, for this audience, unexpired.
    func verifiedAccessToken(_ token: String) async throws(BearerTokenError) -> AccessTokenClaims {
        let invalid = BearerTokenError.invalidToken("the access token is not valid")
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard token.utf8.count <= 8 * 1024, parts.count == 3, let headerData = Base64URL.decode(parts[0]),
            let header = try? JSONDecoder().decode([String: JSONValue].self, from: headerData),
            header["typ"]?.stringValue?.lowercased() == "at+jwt", let kid = header["kid"]?.stringValue
        else { throw invalid }
        // jwt-kit falls back to the default key for an unknown kid, so the kid picks the collection here.
        let collection: JWTKeyCollection
        if keys.kids.contains(kid) {
            collection = keys.collection
        } else if keys.retiredKids.contains(kid) {
            collection = keys.retired  // rotated out while tokens it signed are still live
        } else {
            throw invalid
        }
        guard let claims = try? await collection.verify(token, as: AccessTokenClaims.self) else { throw invalid }
        guard claims.iss == issuer, claims.aud == (policy.accessTokenAudience ?? issuer) else { throw invalid }
        guard Double(claims.exp) > clock.now.timeIntervalSince1970 else {
            throw .invalidToken("the access token has expired")
        }
        guard !(await isRevoked(claims)) else { throw .invalidToken("the access token was revoked") }
        return claims
    }

    /// The values of the claims `names` for `subject`, from the user directory: for the ID token.
    func claims(_ names: Set<String>, subject: String) async throws -> [String: JSONValue] {
        guard !names.isEmpty, let user = try await userDirectory?.user(subject: subject) else { return [:] }
        return StandardClaims.values(of: names, for: user)
    }

    /// Whether the access token was revoked, by itself or with its refresh-token family (a revoked grant, a
    /// detected reuse). Fails closed: while the store cannot answer, every token counts as revoked (and that
    /// is logged).
    func isRevoked(_ claims: AccessTokenClaims) async -> Bool {
        do {
            if let family = claims.refreshFamily, !(try await refreshTokens.isAlive(family: family)) { return true }
            return try await replayStore.record(namespace: Self.revokedNamespace, key: Self.revocationKey(claims)) != nil
        } catch {
            logger.error("the revocation list could not be read", metadata: ["error": "\(error)"])
            return true
        }
    }

    static func revocationKey(_ claims: AccessTokenClaims) -> String {
        Hex.encode(Array(SHA256.hash(data: Data(claims.jti.utf8))))
    }
}
