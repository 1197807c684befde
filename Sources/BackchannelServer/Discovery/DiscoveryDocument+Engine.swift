import Foundation

extension DiscoveryDocument {
    /// The metadata of an engine serving `registered` clients through `routes`, signing with `keys`: what it
    /// announces follows what some client may use (mutual TLS, refresh tokens, ping and push).
    init(issuer: String, registered: [RegisteredClient], routes: AuthenticatorRoutes, keys: SigningKeySet, authorizationDetailsTypes: [String] = []) {
        let scopes = Set(registered.flatMap(\.allowedScopes)).union(["openid"]).sorted()
        // Mutual TLS is announced once some client may use it: the transport must pass certificates for it.
        let mutualTLS = registered.contains { $0.mutualTLS != nil || $0.boundTokens }
        let methods = ClientAuthenticationMethod.allCases.filter { mutualTLS || !$0.isMutualTLS }.map(\.rawValue)
        self.init(
            issuer: issuer,
            authorizationEndpoint: issuer + EndpointPaths.authorization,
            tokenEndpoint: issuer + EndpointPaths.token,
            userinfoEndpoint: issuer + EndpointPaths.userinfo,
            revocationEndpoint: issuer + EndpointPaths.revocation,
            introspectionEndpoint: issuer + EndpointPaths.introspection,
            revocationEndpointAuthMethodsSupported: methods,
            introspectionEndpointAuthMethodsSupported: methods,
            backchannelAuthenticationEndpoint: issuer + EndpointPaths.backchannelAuthentication,
            jwksUri: issuer + EndpointPaths.jwks,
            grantTypesSupported: [CIBAGrant.grantType] + (registered.contains(where: \.mayRefresh) ? [ClientConfiguration.refreshTokenGrantType] : []),
            // The modes some client may use (poll always, as a client's default).
            backchannelTokenDeliveryModesSupported: TokenDeliveryMode.supported.filter { mode in
                mode == .poll || registered.contains { $0.deliveryMode == mode }
            }.map(\.rawValue),
            backchannelUserCodeParameterSupported: true,
            backchannelAuthenticationRequestSigningAlgValuesSupported: ClientAssertionVerifier.algorithms,
            tokenEndpointAuthMethodsSupported: methods,
            tlsClientCertificateBoundAccessTokens: mutualTLS ? true : nil,
            tokenEndpointAuthSigningAlgValuesSupported: ClientAssertionVerifier.algorithms,
            scopesSupported: scopes,
            idTokenSigningAlgValuesSupported: keys.activeKids.keys.map(\.rawValue).sorted { ($0 == "RS256" ? 0 : 1, $0) < ($1 == "RS256" ? 0 : 1, $1) },
            subjectTypesSupported: ["public"],
            // Discovery requires a non-empty list, and strict client libraries check it. `none` (OAuth 2.0
            // Multiple Response Types §4) issues nothing at the front channel; no client here registers a
            // redirect URI, so the authorization endpoint answers every request with an error and redirects
            // nowhere (RFC 6749 §4.1.2.1).
            responseTypesSupported: ["none"],
            acrValuesSupported: routes.ordered.map(\.acr),
            claimsSupported: (["iss", "sub", "aud", "exp", "iat", "auth_time", "acr", "amr", "at_hash"] + StandardClaims.all.sorted()),
            claimsParameterSupported: true,
            authorizationDetailsTypesSupported: authorizationDetailsTypes.isEmpty ? nil : authorizationDetailsTypes.sorted()
        )
    }

    /// The document as served: keys sorted, slashes unescaped, encoded once.
    func encoded() throws(EngineConfigurationError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(self)
        } catch {
            throw EngineConfigurationError(field: "server", reason: "cannot encode the discovery document")
        }
    }
}
