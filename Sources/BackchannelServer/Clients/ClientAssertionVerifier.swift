import BackchannelCore
import Crypto
import Foundation
import JWTKit
import Synchronization

/// Verifies `private_key_jwt` client assertions (RFC 7523 §3, OpenID Connect Core §9, CIBA Core §7.1):
/// signed with one of the client's registered keys in an algorithm it may use, `iss` and `sub` its
/// `client_id`, an `aud` that names this server, unexpired and not valid for longer than the policy
/// allows, and a `jti` never seen before — on any node, since it is remembered in the shared store
/// until the assertion could no longer be accepted anyway.
struct ClientAssertionVerifier: Sendable {
    /// `client_assertion_type` for a JWT (RFC 7523 §2.2).
    static let assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    /// The algorithms assertions may use: asymmetric only, as FAPI allows and `private_key_jwt` means.
    static let algorithms = ["ES256", "PS256", "RS256"]
    /// Where spent `jti` values are remembered.
    static let replayNamespace = "backchannel.client_assertion_jti"
    /// Longer assertions are refused before any parsing.
    static let maxLength = 16 * 1024

    /// What `aud` may name: the issuer, the token endpoint or the backchannel authentication endpoint
    /// (CIBA Core §7.1 requires all three to be accepted).
    let audiences: Set<String>
    let maxLifetime: TimeInterval
    let clockSkew: TimeInterval
    let replay: any PluginStateStore
    let clock: any BackchannelClock

    private struct Claims: JWTPayload {
        var claims: [String: JSONValue]
        init(from decoder: any Decoder) throws { claims = try [String: JSONValue](from: decoder) }
        func encode(to encoder: any Encoder) throws { try claims.encode(to: encoder) }
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    /// - Throws: `invalid_client` for any assertion this client may not use; `server_error` when the
    ///   store that remembers spent assertions fails.
    func verify(_ assertion: String, for client: RegisteredClient) async throws(OAuthError) {
        let failed = OAuthError.clientAuthenticationFailed
        guard let keys = client.assertionKeys, assertion.utf8.count <= Self.maxLength else { throw failed }
        let parts = assertion.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = Base64URL.decode(parts[0]),
            let header = try? JSONDecoder().decode([String: JSONValue].self, from: headerData),
            let algorithm = header["alg"]?.stringValue, client.assertionAlgorithms.contains(algorithm),
            // jwt-kit falls back to a default key for an unknown kid: the kid is checked here, and the
            // key's own `alg`, when it has one, must be the header's.
            let kid = header["kid"]?.stringValue, let keyAlgorithm = keys.algorithms[kid], keyAlgorithm.map({ $0 == algorithm }) ?? true
        else { throw failed }
        let claims: [String: JSONValue]
        do {
            claims = try await keys.collection().verify(assertion, as: Claims.self).claims
        } catch {
            throw failed
        }

        let now = clock.now.timeIntervalSince1970
        func time(_ name: String) -> Double? {
            switch claims[name] {
            case .integer(let value): Double(value)
            case .number(let value): value
            default: nil
            }
        }
        let audiences: [String] =
            switch claims["aud"] {
            case .string(let audience): [audience]
            case .array(let values): values.compactMap(\.stringValue)
            default: []
            }
        guard claims["iss"]?.stringValue == client.clientId, claims["sub"]?.stringValue == client.clientId,
            audiences.contains(where: self.audiences.contains),
            let expiry = time("exp"), now < expiry + clockSkew,
            expiry - (time("iat") ?? now) <= maxLifetime,
            time("iat").map({ $0 <= now + clockSkew }) ?? true,
            time("nbf").map({ $0 <= now + clockSkew }) ?? true,
            let jti = claims["jti"]?.stringValue, !jti.isEmpty, jti.utf8.count <= 256
        else { throw failed }

        // Single use: the first insert of (client, jti) wins, on every node sharing the store.
        let key = Hex.encode(Array(SHA256.hash(data: Data((client.clientId + "\n" + jti).utf8))))
        let spent = PluginStateRecord(
            namespace: Self.replayNamespace, key: key, value: Data(), createdAt: Date(timeIntervalSince1970: now),
            expiresAt: Date(timeIntervalSince1970: expiry + clockSkew))
        let first: Bool
        do {
            first = try await replay.insert(spent)
        } catch {
            throw .serverError("the server could not complete the request")
        }
        guard first else { throw failed }
    }
}

/// A client's assertion keys: the JWKS as registered, the algorithm each key is bound to (if any), and
/// the jwt-kit collection built from them on first use.
final class ClientAssertionKeys: Sendable {
    let jwks: JWKS
    /// kid → the key's `alg`, `nil` when the key names none.
    let algorithms: [String: String?]
    private let built = Mutex<JWTKeyCollection?>(nil)

    init(jwks: JWKS) {
        self.jwks = jwks
        self.algorithms = Dictionary(
            jwks.keys.compactMap { key in key.keyIdentifier.map { ($0.string, key.algorithm?.rawValue) } }, uniquingKeysWith: { first, _ in first })
    }

    func collection() async throws -> JWTKeyCollection {
        if let collection = built.withLock({ $0 }) { return collection }
        let collection = JWTKeyCollection()
        try await collection.add(jwks: jwks)
        built.withLock { $0 = collection }
        return collection
    }
}
