import BackchannelCore
import Crypto
import Foundation

/// The revocation (RFC 7009) and introspection (RFC 7662) endpoints.
struct RevocationEndpoint: EngineEndpoint {
    let state: EngineState

    /// Handles a token revocation request (RFC 7009): an authenticated client revokes an access token or a
    /// refresh token issued to it (a refresh token with its whole family). The answer is the same (success)
    /// for a token that is unknown, invalid, expired or another client's, so that it reveals nothing (§2.2).
    func revocationRequest(
        _ parameters: OAuthParameters, authorization: String?, clientCertificate: ClientCertificate? = nil
    ) async -> Result<Void, OAuthError> {
        do throws(OAuthError) {
            let client = try await clients.authenticate(parameters, authorization: authorization, certificate: clientCertificate)
            guard let token = try parameters.value("token") else { throw .invalidRequest("token is required") }
            // token_type_hint only orders the lookups (§2.1); an access token is a JWT, so its shape tells first.
            guard let claims = try? await verifiedAccessToken(token) else {
                do {
                    _ = try await refreshTokens.revoke(token, clientId: client.clientId)
                } catch {
                    logger.error("revoking a refresh token failed", metadata: ["error": "\(error)"])
                    throw .serverError("the server could not complete the request")
                }
                return .success(())
            }
            guard claims.clientId == client.clientId else { return .success(()) }
            let record = PluginStateRecord(
                namespace: Self.revokedNamespace, key: Self.revocationKey(claims), value: Data(), createdAt: clock.now,
                expiresAt: Date(timeIntervalSince1970: Double(claims.exp)))
            do {
                _ = try await replayStore.insert(record)
            } catch {
                logger.error("revoking an access token failed", metadata: ["error": "\(error)"])
                throw .serverError("the server could not complete the request")
            }
            return .success(())
        } catch {
            return .failure(error)
        }
    }

    /// Handles a token introspection request (RFC 7662) from an authenticated client: the token's own client,
    /// or a client registered as a resource server (`resource_server`) for any client's token. Whether the
    /// access token is active, and if so what it grants. Anything that is
    /// not a live access token of this server is `{"active": false}`, nothing more (§2.2); refresh tokens
    /// among them, as they are for the authorization server alone.
    func introspectionRequest(
        _ parameters: OAuthParameters, authorization: String?, clientCertificate: ClientCertificate? = nil
    ) async -> Result<[String: JSONValue], OAuthError> {
        do throws(OAuthError) {
            let client = try await clients.authenticate(parameters, authorization: authorization, certificate: clientCertificate)
            guard let token = try parameters.value("token") else { throw .invalidRequest("token is required") }
            guard let claims = try? await verifiedAccessToken(token) else { return .success(["active": .bool(false)]) }
            // Another client's token is for resource servers only (RFC 7662 §4: the server decides who may ask
            // about which token); to anyone else it is as good as unknown.
            guard claims.clientId == client.clientId || client.isResourceServer else {
                logger.info("introspection refused", metadata: ["reason": "not_resource_server", "client_id": "\(client.clientId)"])
                return .success(["active": .bool(false)])
            }
            var answer: [String: JSONValue] = [
                "active": .bool(true), "token_type": .string("Bearer"), "scope": .string(claims.scope), "client_id": .string(claims.clientId),
                "sub": .string(claims.sub), "aud": .string(claims.aud), "iss": .string(claims.iss), "exp": .integer(claims.exp),
                "iat": .integer(claims.iat), "jti": .string(claims.jti), "auth_time": .integer(claims.authTime),
            ]
            if let acr = claims.acr { answer["acr"] = .string(acr) }
            if let details = claims.authorizationDetails { answer["authorization_details"] = details }  // RFC 9396 §9.2
            if let bound = claims.cnf { answer["cnf"] = .object(["x5t#S256": .string(bound.x5tS256)]) }  // RFC 8705 §3.2
            return .success(answer)
        } catch {
            return .failure(error)
        }
    }
}
