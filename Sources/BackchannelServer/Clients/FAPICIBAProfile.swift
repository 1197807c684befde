/// The configuration rules of `profile: fapi-ciba`: FAPI-CIBA (FAPI: Client Initiated Backchannel
/// Authentication Profile, §5.2.2) on top of FAPI 1.0 Advanced (Part 2, §5.2.2 and §8.6). A client that
/// breaks one is refused at start-up, naming the field and the rule; what is checked per request follows
/// from these (its requests must be signed, its tokens bound, it cannot authenticate with a secret), plus
/// the binding message (``requiresBindingMessage``).
enum FAPICIBAProfile {
    /// FAPI 1.0 Advanced §8.6: PS256 and ES256 only.
    static let algorithms = ["PS256", "ES256"]

    /// FAPI-CIBA §5.2.2: the server must ensure a unique authorization context or require a
    /// `binding_message`; with arbitrary authenticators only the latter can be guaranteed.
    static let requiresBindingMessage = true

    /// Checks a client's configuration against the profile.
    static func check(_ configuration: ClientConfiguration, field: String, policy: ServerPolicy) throws(EngineConfigurationError) {
        func refuse(_ key: String, _ reason: String) -> EngineConfigurationError {
            EngineConfigurationError(field: "\(field).\(key)", reason: "\(reason) (profile fapi-ciba)")
        }
        // FAPI-CIBA §5.2.2: no push mode (poll, or ping).
        if configuration.backchannelTokenDeliveryMode == .push {
            throw refuse("backchannel_token_delivery_mode", "must be poll or ping: FAPI-CIBA §5.2.2 forbids push")
        }
        // FAPI 1.0 Advanced §5.2.2-14: private_key_jwt or mutual TLS, nothing with a shared secret.
        if let method = configuration.tokenEndpointAuthMethods.first(where: { $0 != .privateKeyJWT && !$0.isMutualTLS }) {
            throw refuse("token_endpoint_auth_methods", "may not include \(method.rawValue): only private_key_jwt, tls_client_auth and self_signed_tls_client_auth (FAPI 1.0 Advanced §5.2.2)")
        }
        if configuration.clientSecret != nil {
            throw refuse("client_secret", "must not be set: FAPI 1.0 Advanced §5.2.2 allows no shared-secret client authentication")
        }
        // FAPI-CIBA §5.2.2: signed authentication requests (CIBA §7.1.1), in PS256 or ES256 (FAPI 1.0 Advanced §8.6).
        guard let requestAlgorithm = configuration.backchannelAuthenticationRequestSigningAlg, algorithms.contains(requestAlgorithm) else {
            throw refuse("backchannel_authentication_request_signing_alg", "must be PS256 or ES256: every request is signed (FAPI-CIBA §5.2.2, FAPI 1.0 Advanced §8.6)")
        }
        // FAPI 1.0 Advanced §5.2.2-13: a signed request is valid for at most 60 minutes.
        if policy.requestObjectMaxLifetime > 3600 {
            throw EngineConfigurationError(
                field: "policy.request_object_max_lifetime", reason: "must be at most 3600 while \(field) follows profile fapi-ciba (FAPI 1.0 Advanced §5.2.2)")
        }
        if configuration.tokenEndpointAuthMethods.contains(.privateKeyJWT) {
            guard let assertionAlgorithm = configuration.tokenEndpointAuthSigningAlg, algorithms.contains(assertionAlgorithm) else {
                throw refuse("token_endpoint_auth_signing_alg", "must be PS256 or ES256 (FAPI 1.0 Advanced §8.6)")
            }
        }
        // ID tokens are signed for the client in PS256 or ES256 too; RS256, the registration default, is not allowed.
        guard let idTokenAlgorithm = configuration.idTokenSignedResponseAlg, algorithms.contains(idTokenAlgorithm.rawValue) else {
            throw refuse("id_token_signed_response_alg", "must be PS256 or ES256 (FAPI 1.0 Advanced §8.6)")
        }
        // FAPI 1.0 Advanced §5.2.2-5: sender-constrained access tokens, here bound to the client's certificate (RFC 8705 §3).
        guard configuration.tlsClientCertificateBoundAccessTokens else {
            throw refuse("tls_client_certificate_bound_access_tokens", "must be true: access tokens are sender-constrained (FAPI 1.0 Advanced §5.2.2, RFC 8705 §3)")
        }
    }
}
