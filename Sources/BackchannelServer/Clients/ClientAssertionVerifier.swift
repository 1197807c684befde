import BackchannelCore
import Foundation
import JWTKit
import Logging

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

    /// What `aud` may name: the issuer, the token endpoint or the backchannel authentication endpoint
    /// (CIBA Core §7.1 requires all three to be accepted).
    let audiences: Set<String>
    let maxLifetime: TimeInterval
    let clockSkew: TimeInterval
    let replay: any PluginStateStore
    let clock: any BackchannelClock
    let logger: Logger

    /// - Throws: `invalid_client` for any assertion this client may not use; `server_error` when the
    ///   store that remembers spent assertions fails.
    func verify(_ assertion: String, for client: RegisteredClient) async throws(OAuthError) {
        let failed = OAuthError.clientAuthenticationFailed
        guard let keys = client.assertionKeys,
            let claims = await ClientSignedJWT.verify(
                assertion, keys: keys, algorithms: client.assertionAlgorithms, clientId: client.clientId, logger: logger)
        else { throw failed }
        let now = clock.now.timeIntervalSince1970
        guard claims.claims["iss"]?.stringValue == client.clientId, claims.claims["sub"]?.stringValue == client.clientId,
            // Every audience must be this server: an assertion also meant for another party could be replayed here.
            !claims.audiences.isEmpty, claims.audiences.allSatisfy(audiences.contains),
            let expiry = claims.time("exp"), now < expiry + clockSkew,
            expiry - (claims.time("iat") ?? now) <= maxLifetime,
            claims.time("iat").map({ $0 <= now + clockSkew }) ?? true,
            claims.time("nbf").map({ $0 <= now + clockSkew }) ?? true,
            let jti = claims.claims["jti"]?.stringValue, !jti.isEmpty, jti.utf8.count <= 256
        else { throw failed }
        // Single use: the first insert of (client, jti) wins, on every node sharing the store.
        guard
            try await ClientSignedJWT.spend(
                jti: jti, clientId: client.clientId, namespace: Self.replayNamespace, replay: replay, now: now, until: expiry + clockSkew)
        else { throw failed }
    }
}
