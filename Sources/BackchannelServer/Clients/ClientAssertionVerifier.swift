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
    /// Where a refusal's reason is logged.
    let refusals: ClientRefusalLog

    /// - Throws: `invalid_client` for any assertion this client may not use; `server_error` when the
    ///   store that remembers spent assertions fails.
    func verify(_ assertion: String, for client: RegisteredClient) async throws(OAuthError) {
        func refused(_ reason: ClientRefusalLog.Reason, _ details: Logger.Metadata = [:]) -> OAuthError {
            refusals.refused(reason, clientId: client.clientId, details)
        }
        guard let keys = client.assertionKeys else { throw refused(.methodNotRegistered) }
        let claims: JSONClaims
        switch await ClientSignedJWT.verify(assertion, keys: keys, algorithms: client.assertionAlgorithms, clientId: client.clientId, logger: logger) {
        case .success(let verified): claims = verified
        case .failure(let reason): throw refused(reason)
        }
        let now = clock.now.timeIntervalSince1970
        guard claims.claims["iss"]?.stringValue == client.clientId else { throw refused(.wrongIssuer) }
        guard claims.claims["sub"]?.stringValue == client.clientId else { throw refused(.wrongSubject) }
        // Every audience must be this server: an assertion also meant for another party could be replayed here.
        guard !claims.audiences.isEmpty, claims.audiences.allSatisfy(audiences.contains) else {
            throw refused(.wrongAudience, ["expected": "\(audiences.sorted().joined(separator: " "))"])
        }
        guard let expiry = claims.time("exp"), now < expiry + clockSkew else { throw refused(.expired) }
        guard expiry - (claims.time("iat") ?? now) <= maxLifetime else { throw refused(.lifetimeTooLong) }
        guard claims.time("iat").map({ $0 <= now + clockSkew }) ?? true, claims.time("nbf").map({ $0 <= now + clockSkew }) ?? true else {
            throw refused(.notYetValid)
        }
        guard let jti = claims.claims["jti"]?.stringValue, !jti.isEmpty, jti.utf8.count <= 256 else { throw refused(.missingJTI) }
        // Single use: the first insert of (client, jti) wins, on every node sharing the store.
        guard
            try await ClientSignedJWT.spend(
                jti: jti, clientId: client.clientId, namespace: Self.replayNamespace, replay: replay, now: now, until: expiry + clockSkew)
        else { throw refused(.replayed) }
    }
}
