import BackchannelCore
import Foundation
import JWTKit

/// Validates an `id_token_hint` (CIBA Core §7.1): it must be an ID token this server signed for the
/// requesting client. An expired one is accepted, as the specification allows for a hint.
struct IDTokenHintValidator: Sendable {
    let issuer: String
    let keys: SigningKeySet
    let acceptRetiredKeys: Bool

    /// Every claim of the token, decoded without judging them; the validator judges.

    /// - Returns: The hint with the token's subject and claims.
    /// - Throws: ``OAuthError/invalidRequest(_:)`` for any defect.
    func validate(_ token: String, clientId: String) async throws(OAuthError) -> BackchannelHint {
        let invalid = OAuthError.invalidRequest("the id_token_hint is not a valid ID token issued by this server to this client")
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = Base64URL.decode(parts[0]),
            let header = try? JSONDecoder().decode([String: JSONValue].self, from: headerData),
            let algorithm = header["alg"]?.stringValue, algorithm != "none"
        else { throw invalid }

        let claims: [String: JSONValue]
        if let kid = header["kid"]?.stringValue, keys.kids.contains(kid) {
            // jwt-kit falls back to the default key for an unknown kid, so the kid is checked above.
            guard let verified = try? await keys.collection.verify(token, as: JSONClaims.self) else { throw invalid }
            claims = verified.claims
        } else if acceptRetiredKeys, let kid = header["kid"]?.stringValue, keys.retiredKids.contains(kid) {
            // A retired key's public half still verifies: a hint is never taken on trust.
            guard let verified = try? await keys.retired.verify(token, as: JSONClaims.self) else { throw invalid }
            claims = verified.claims
        } else {
            throw invalid
        }

        guard claims["iss"]?.stringValue == issuer else { throw invalid }
        guard JSONClaims(claims).audiences.contains(clientId), let subject = claims["sub"]?.stringValue, !subject.isEmpty else { throw invalid }
        return .idTokenHint(subject: subject, claims: claims)
    }
}
