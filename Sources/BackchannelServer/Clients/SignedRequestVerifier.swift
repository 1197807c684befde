import BackchannelCore
import Foundation
import JWTKit
import Logging

/// Verifies a signed authentication request (CIBA Core §7.1.1) and yields its parameters: a JWT in
/// `request`, signed with one of the client's registered keys (`jwks` or `jwks_uri`) in an algorithm it
/// may use, `aud` the issuer, `iss` the client, `exp`, `iat`, `nbf` and `jti` all present, valid for no
/// longer than `policy.request_object_max_lifetime` and no older than that, and its `jti` used once across
/// every node. Every authentication parameter comes from inside it; outside it only client
/// authentication may be sent. Each violation is `invalid_request`, naming no input.
struct SignedRequestVerifier: Sendable {
    /// The parameters that may travel beside `request`: client authentication.
    static let allowedOutside: Set<String> = ["request", "client_id", "client_secret", "client_assertion", "client_assertion_type"]
    /// The JWT's own claims, which are not request parameters.
    static let registeredClaims: Set<String> = ["iss", "aud", "exp", "iat", "nbf", "jti"]
    static let replayNamespace = "backchannel.request_object_jti"

    let issuer: String
    let maxLifetime: TimeInterval
    let clockSkew: TimeInterval
    let replay: any PluginStateStore
    let clock: any BackchannelClock
    let logger: Logger
    /// Where a refusal's reason is logged.
    let refusals: ClientRefusalLog

    /// The authentication parameters inside `parameters`' `request`.
    func parameters(of parameters: OAuthParameters, client: RegisteredClient) async throws(OAuthError) -> OAuthParameters {
        let invalid = OAuthError.invalidRequest("the signed authentication request is not valid")
        guard parameters.pairs.allSatisfy({ Self.allowedOutside.contains($0.name) }) else {
            throw .invalidRequest("with a signed authentication request, its parameters must all be inside it")
        }
        guard let request = try parameters.value("request"), let keys = client.assertionKeys else { throw invalid }
        let verified: JSONClaims
        switch await ClientSignedJWT.verify(request, keys: keys, algorithms: client.requestSigningAlgorithms, clientId: client.clientId, logger: logger) {
        case .success(let claims):
            verified = claims
        case .failure(let reason):
            refusals.note(reason, clientId: client.clientId, message: "signed authentication request refused")
            throw invalid
        }
        let claims = verified.claims
        let now = clock.now.timeIntervalSince1970
        guard claims["iss"]?.stringValue == client.clientId, verified.audiences.contains(issuer),
            let expiry = verified.time("exp"), let issued = verified.time("iat"), let notBefore = verified.time("nbf"),
            now < expiry + clockSkew, notBefore <= now + clockSkew, issued <= now + clockSkew,
            expiry - notBefore <= maxLifetime, now - issued <= maxLifetime + clockSkew,
            let jti = claims["jti"]?.stringValue, !jti.isEmpty, jti.utf8.count <= 256
        else { throw invalid }
        if let inside = claims["client_id"]?.stringValue, inside != client.clientId { throw invalid }
        guard
            try await ClientSignedJWT.spend(
                jti: jti, clientId: client.clientId, namespace: Self.replayNamespace, replay: replay, now: now, until: expiry + clockSkew)
        else { throw .invalidRequest("this signed authentication request was used before") }

        // The claims become the request's parameters: strings as they are, numbers as text (requested_expiry),
        // objects as JSON (claims).
        var pairs: [(name: String, value: String)] = []
        for (name, value) in claims where !Self.registeredClaims.contains(name) {
            switch value {
            case .string(let text): pairs.append((name, text))
            case .integer(let number): pairs.append((name, String(number)))
            case .number(let number): pairs.append((name, String(number)))
            case .bool(let flag): pairs.append((name, String(flag)))
            case .null: continue
            case .array, .object:
                guard let data = try? JSONEncoder().encode(value), let text = String(data: data, encoding: .utf8) else { throw invalid }
                pairs.append((name, text))
            }
        }
        guard pairs.count <= InputLimits.maxParameters else { throw .invalidRequest("the request has too many parameters") }
        return OAuthParameters(pairs)
    }
}
