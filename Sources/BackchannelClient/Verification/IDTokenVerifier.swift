import BackchannelCore
import Crypto
import Foundation
import JWTKit

/// Verifies an ID token as a relying party must (OpenID Connect Core §3.1.3.7): signature against the
/// provider's JWKS, `iss`, `aud`, `exp`, and `at_hash` when present.
struct IDTokenVerifier: Sendable {
    let issuer: String
    let clientId: String
    let keys: JWTKeyCollection

    private struct Claims: JWTPayload {
        var claims: [String: JSONValue]
        init(from decoder: any Decoder) throws { claims = try [String: JSONValue](from: decoder) }
        func encode(to encoder: any Encoder) throws { try claims.encode(to: encoder) }
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    func verify(idToken: String, accessToken: String?, now: Date) async throws(BackchannelClientError) -> [String: JSONValue] {
        let claims: [String: JSONValue]
        do {
            claims = try await keys.verify(idToken, as: Claims.self).claims
        } catch {
            throw .invalidResponse("the ID token's signature does not verify against the provider's keys")
        }
        guard claims["iss"]?.stringValue == issuer else { throw .invalidResponse("the ID token's iss is not the provider") }
        let audiences: [String] =
            switch claims["aud"] {
            case .string(let value): [value]
            case .array(let values): values.compactMap(\.stringValue)
            default: []
            }
        guard audiences.contains(clientId) else { throw .invalidResponse("the ID token is not for this client") }
        let expiry: Double? =
            switch claims["exp"] {
            case .integer(let value): Double(value)
            case .number(let value): value
            default: nil
            }
        guard let expiry, Date(timeIntervalSince1970: expiry) > now else { throw .invalidResponse("the ID token has expired") }
        if let atHash = claims["at_hash"]?.stringValue {
            guard let accessToken else { throw .invalidResponse("the ID token has an at_hash but no access token came") }
            let expected = Base64URL.encode(SHA256.hash(data: Data(accessToken.utf8)).prefix(16))
            guard atHash == expected else { throw .invalidResponse("the ID token's at_hash does not match the access token") }
        }
        return claims
    }
}
