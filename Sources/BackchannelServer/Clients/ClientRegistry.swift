import BackchannelCore
import Foundation

/// The registered clients, validated: each client's registration checked against the policy, the
/// authenticators and the keys, and the credentials it authenticates with prepared.
struct ClientRegistry: Sendable {
    /// The clients, in their configured order.
    let clients: [RegisteredClient]
    /// The salt of the digests that make a wrong `client_secret` as slow as a right one.
    let basicSalt: [UInt8]
    /// The authorities of `tls_client_auth` certificates.
    let authorities: ClientCertificateAuthorities

    /// Validates `configurations`, naming the first bad field.
    init(
        _ configurations: [ClientConfiguration], policy: ServerPolicy, routes: AuthenticatorRoutes, keys: SigningKeySet,
        keyFetcher: (any ClientKeyFetcher)?, certificateAuthorities: [[UInt8]], clock: any BackchannelClock, random: any RandomSource
    ) throws(EngineConfigurationError) {
        let authorities: ClientCertificateAuthorities
        do {
            authorities = try ClientCertificateAuthorities(der: certificateAuthorities)
        } catch {
            throw EngineConfigurationError(field: "server.client_certificates.ca_file", reason: "holds something that is not an X.509 certificate")
        }
        var registered: [RegisteredClient] = []
        let basicSalt = random.bytes(count: 16)
        for (index, configuration) in configurations.enumerated() {
            let field = "clients[\(index)]"
            guard !registered.contains(where: { $0.clientId == configuration.clientId }) else {
                throw EngineConfigurationError(field: "\(field).client_id", reason: "'\(configuration.clientId)' is registered twice")
            }
            // CIBA Core §4 has confidential clients only: every method a client may use needs its credential.
            let secretMethods = configuration.tokenEndpointAuthMethods.filter { $0 != .privateKeyJWT && !$0.isMutualTLS }
            if !secretMethods.isEmpty || configuration.clientSecret != nil {
                guard let secret = configuration.clientSecret else {
                    throw EngineConfigurationError(
                        field: "\(field).client_secret", reason: "is required for \(secretMethods.map(\.rawValue).joined(separator: " and ")): CIBA clients are confidential")
                }
                if secret.count < policy.minClientSecretLength {
                    throw EngineConfigurationError(
                        field: "\(field).client_secret",
                        reason: "is shorter than \(policy.minClientSecretLength) characters (policy.min_client_secret_length); use a long random secret")
                }
            }
            // Keys verify private_key_jwt assertions and signed authentication requests; registered keys are
            // checked even when only the other use needs them.
            var assertionKeys: ClientAssertionKeys?
            if configuration.tokenEndpointAuthMethods.contains(.privateKeyJWT) || configuration.backchannelAuthenticationRequestSigningAlg != nil
                || configuration.jwks != nil || configuration.jwksUri != nil
            {
                assertionKeys = ClientAssertionKeys(
                    try Self.assertionKeySource(configuration, field: field, policy: policy, fetcher: keyFetcher), clock: clock)
            }
            if let algorithm = configuration.backchannelAuthenticationRequestSigningAlg, !ClientAssertionVerifier.algorithms.contains(algorithm) {
                throw EngineConfigurationError(
                    field: "\(field).backchannel_authentication_request_signing_alg",
                    reason: "must be one of \(ClientAssertionVerifier.algorithms.joined(separator: ", "))")
            }
            try Self.checkGrantTypes(configuration, field: field)
            let mutualTLS = try Self.mutualTLSRegistration(configuration, field: field, authorities: authorities)
            if configuration.tlsClientCertificateBoundAccessTokens, configuration.backchannelTokenDeliveryMode == .push {
                throw EngineConfigurationError(
                    field: "\(field).tls_client_certificate_bound_access_tokens",
                    reason: "cannot hold in push mode: pushed tokens are not requested over a connection with the certificate")
            }
            if configuration.profile == .fapiCIBA { try FAPICIBAProfile.check(configuration, field: field, policy: policy) }
            let notificationEndpoint = try Self.notificationEndpoint(configuration, field: field, policy: policy)
            if let unknown = configuration.authorizationDetailsTypes.first(where: { policy.authorizationDetailsTypes[$0] == nil }) {
                throw EngineConfigurationError(
                    field: "\(field).authorization_details_types", reason: "'\(unknown)' is not one of policy.authorization_details_types")
            }
            if let unknown = configuration.authenticators.first(where: { routes.byName[$0] == nil }) {
                throw EngineConfigurationError(field: "\(field).authenticators", reason: "'\(unknown)' is not a configured authenticator")
            }
            if let preferred = configuration.defaultAuthenticator,
                routes.byName[preferred] == nil || !(configuration.authenticators.isEmpty || configuration.authenticators.contains(preferred))
            {
                throw EngineConfigurationError(field: "\(field).default_authenticator", reason: "'\(preferred)' is not one of the client's authenticators")
            }
            let idTokenKid: String
            if let algorithm = configuration.idTokenSignedResponseAlg {
                guard let kid = keys.activeKids[algorithm] else {
                    throw EngineConfigurationError(
                        field: "\(field).id_token_signed_response_alg", reason: "no \(algorithm.rawValue) key is configured under keys")
                }
                idTokenKid = kid
            } else {
                idTokenKid = keys.activeKids[.rs256] ?? keys.activeKid
            }
            registered.append(
                RegisteredClient(
                    configuration: configuration, allAuthenticators: routes.names, idTokenKid: idTokenKid, notificationEndpoint: notificationEndpoint,
                    salt: random.bytes(count: 16), basicSalt: basicSalt, assertionKeys: assertionKeys, mutualTLS: mutualTLS))
        }

        (self.clients, self.basicSalt, self.authorities) = (registered, basicSalt, authorities)
    }
}
