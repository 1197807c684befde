import BackchannelCore
import Foundation

/// What a client does with its tokens after an authentication: refresh (RFC 6749 §6), revoke (RFC 7009),
/// introspect (RFC 7662) and read the user's claims (OpenID Connect Core §5.3).
extension BackchannelClient {
    /// Exchanges a refresh token for a new access token and, with rotation, a new refresh token (the one given is
    /// then spent: use the new one, which ``TokenSession`` keeps for you).
    /// - Parameters:
    ///   - scopes: A narrower scope for the new access token, if any.
    ///   - authorizationDetails: A subset of the approved authorization details for the new access token, if any.
    /// - Returns: The token response (no ID token: the user did not authenticate again).
    /// - Throws: `invalid_grant` for a spent, revoked or expired refresh token; a spent one presented again
    ///   revokes its whole grant at the provider.
    public func refresh(
        _ refreshToken: String, scopes: [String]? = nil, authorizationDetails: JSONValue? = nil
    ) async throws(BackchannelClientError) -> BackchannelTokens {
        var parameters = [("grant_type", "refresh_token"), ("refresh_token", refreshToken)]
        if let scopes { parameters.append(("scope", scopes.joined(separator: " "))) }
        if let authorizationDetails { parameters.append(("authorization_details", AuthorizationDetails.canonicalJSON(of: authorizationDetails))) }
        let answer = try await post(metadata.tokenEndpoint, parameters)
        try Self.checkError(answer)
        guard answer.json["access_token"]?.stringValue != nil else { throw .invalidResponse("the refresh answer lacks access_token") }
        return BackchannelTokens(response: answer.json, idTokenClaims: [:])
    }

    /// Revokes an access or refresh token of this client (a refresh token with its whole grant). Succeeds for a
    /// token the provider does not know, as RFC 7009 §2.2 has it.
    public func revoke(_ token: String, hint: String? = nil) async throws(BackchannelClientError) {
        guard let endpoint = metadata.revocationEndpoint else { throw .invalidResponse("the provider announces no revocation_endpoint") }
        var parameters = [("token", token)]
        if let hint { parameters.append(("token_type_hint", hint)) }
        let answer = try await post(endpoint, parameters)
        try Self.checkError(answer)
    }

    /// What the provider says of a token (RFC 7662): `{"active": false}` for anything not a live access token
    /// this client may ask about; otherwise its claims (`scope`, `sub`, `exp`, `cnf`, `authorization_details`, …).
    public func introspect(_ token: String) async throws(BackchannelClientError) -> [String: JSONValue] {
        guard let endpoint = metadata.introspectionEndpoint else { throw .invalidResponse("the provider announces no introspection_endpoint") }
        let answer = try await post(endpoint, [("token", token)])
        try Self.checkError(answer)
        guard case .bool? = answer.json["active"] else { throw .invalidResponse("the introspection answer lacks active") }
        return answer.json
    }

    /// The user's claims from the UserInfo endpoint, with the access token as a bearer token, over this client's
    /// own connection: a token bound to the client's certificate (RFC 8705) is presented with that certificate.
    /// - Throws: `invalid_token` (HTTP 401) for an expired, revoked or otherwise unusable access token.
    public func userinfo(accessToken: String) async throws(BackchannelClientError) -> [String: JSONValue] {
        guard let endpoint = metadata.userinfoEndpoint else { throw .invalidResponse("the provider announces no userinfo_endpoint") }
        let answer = try await transport.get(endpoint, authorization: "Bearer \(accessToken)")
        guard answer.status == 200 else {
            // RFC 6750 §3: the error is in WWW-Authenticate; its code is in the body too on this server.
            let code = answer.json["error"]?.stringValue ?? answer.bearerError ?? "invalid_token"
            throw .oauth(OAuthErrorCode(rawValue: code), description: answer.json["error_description"]?.stringValue, status: answer.status)
        }
        return answer.json
    }
}
