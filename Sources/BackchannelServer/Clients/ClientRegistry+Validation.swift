import BackchannelCore
import Foundation
import X509

/// The checks of one client's registration, each naming the bad field.
extension ClientRegistry {
    /// A `private_key_jwt` client's registration: keys that can verify its assertions, each with a `kid`
    /// (assertions must name theirs), asymmetric, in an algorithm assertions may use.
    static func assertionKeySource(
        _ configuration: ClientConfiguration, field: String, policy: ServerPolicy, fetcher: (any ClientKeyFetcher)?
    ) throws(EngineConfigurationError) -> ClientAssertionKeys.Source {
        if let uri = configuration.jwksUri {
            // RFC 7591 §2: one or the other, never both.
            guard configuration.jwks == nil else {
                throw EngineConfigurationError(field: "\(field).jwks_uri", reason: "must not be given with jwks (RFC 7591 §2)")
            }
            guard let url = URL(string: uri), let host = url.host, url.user == nil, url.fragment == nil,
                url.scheme == "https" || (url.scheme == "http" && policy.allowInsecureLoopbackJwksUri && ServerExposure(bindHost: host) == .loopback)
            else {
                throw EngineConfigurationError(
                    field: "\(field).jwks_uri", reason: "must be an https URL (http only on loopback with policy.allow_insecure_loopback_jwks_uri)")
            }
            guard let fetcher else {
                throw EngineConfigurationError(field: "\(field).jwks_uri", reason: "needs a host that can fetch it (no key fetcher was given)")
            }
            try checkSigningAlgorithm(configuration, field: field)
            return .remote(url, fetcher)
        }
        guard let keys = configuration.jwks?.jwks.keys, !keys.isEmpty else {
            throw EngineConfigurationError(
                field: "\(field).jwks", reason: "or jwks_uri is required for private_key_jwt and signed requests: the public keys the client signs with")
        }
        for (index, key) in keys.enumerated() {
            guard key.keyIdentifier != nil else {
                throw EngineConfigurationError(field: "\(field).jwks.keys[\(index)].kid", reason: "is required: an assertion names the key it was signed with")
            }
            guard key.keyType == .rsa || key.keyType == .ecdsa else {
                throw EngineConfigurationError(field: "\(field).jwks.keys[\(index)].kty", reason: "must be RSA or EC: assertions are signed with a private key")
            }
            if let algorithm = key.algorithm?.rawValue, !ClientAssertionVerifier.algorithms.contains(algorithm) {
                throw EngineConfigurationError(
                    field: "\(field).jwks.keys[\(index)].alg", reason: "must be one of \(ClientAssertionVerifier.algorithms.joined(separator: ", "))")
            }
        }
        try checkSigningAlgorithm(configuration, field: field)
        return .inline(configuration.jwks!.jwks)
    }

    /// A mutual-TLS client's registration (RFC 8705 §2): for `tls_client_auth` exactly one name and a server
    /// that trusts some authority; for `self_signed_tls_client_auth` inline `jwks` with usable keys.
    static func mutualTLSRegistration(
        _ configuration: ClientConfiguration, field: String, authorities: ClientCertificateAuthorities
    ) throws(EngineConfigurationError) -> MutualTLSRegistration? {
        let names: [MutualTLSRegistration.Name] = [
            configuration.tlsClientAuthSubjectDn.map { .subjectDN($0) }, configuration.tlsClientAuthSanDns.map { .dns($0) },
            configuration.tlsClientAuthSanUri.map { .uri($0) }, configuration.tlsClientAuthSanIp.map { .ip($0) },
            configuration.tlsClientAuthSanEmail.map { .email($0) },
        ].compactMap { $0 }
        let methods = configuration.tokenEndpointAuthMethods
        if methods.contains(.tlsClientAuth) {
            guard names.count == 1 else {
                throw EngineConfigurationError(
                    field: "\(field).tls_client_auth_subject_dn",
                    reason: "or exactly one tls_client_auth_san_* entry is required for tls_client_auth (RFC 8705 §2.1.2), and only one")
            }
            guard !authorities.isEmpty else {
                throw EngineConfigurationError(
                    field: "\(field).token_endpoint_auth_methods",
                    reason: "tls_client_auth needs the authorities that issue client certificates (server.client_certificates.ca_file)")
            }
        } else if !names.isEmpty {
            throw EngineConfigurationError(field: "\(field).tls_client_auth_subject_dn", reason: "and tls_client_auth_san_* are only for tls_client_auth")
        }
        var keys: [Certificate.PublicKey] = []
        if methods.contains(.selfSignedTLSClientAuth) {
            keys = (configuration.jwks?.jwks.keys ?? []).compactMap(MutualTLSRegistration.publicKey(of:))
            guard !keys.isEmpty else {
                throw EngineConfigurationError(
                    field: "\(field).jwks",
                    reason: "with an EC P-256 or RSA key is required for self_signed_tls_client_auth: the keys its certificates may carry")
            }
        }
        guard methods.contains(where: \.isMutualTLS) else { return nil }
        return MutualTLSRegistration(name: methods.contains(.tlsClientAuth) ? names.first : nil, publicKeys: keys)
    }

    /// The grants a client registers: refresh tokens exactly when `offline_access` may be asked
    /// for, and never in push mode (whose tokens wait in the outbox in the clear until delivered).
    static func checkGrantTypes(_ configuration: ClientConfiguration, field: String) throws(EngineConfigurationError) {
        let refreshes = configuration.grantTypes.contains(ClientConfiguration.refreshTokenGrantType)
        let offline = configuration.scopes.contains("offline_access")
        if refreshes != offline {
            throw EngineConfigurationError(
                field: refreshes ? "\(field).scopes" : "\(field).grant_types",
                reason: refreshes ? "must include offline_access for the refresh_token grant: refresh tokens answer that scope"
                    : "must include refresh_token for the offline_access scope")
        }
        if refreshes, configuration.backchannelTokenDeliveryMode == .push {
            throw EngineConfigurationError(
                field: "\(field).grant_types", reason: "refresh_token is not available in push mode (push tokens wait in the outbox until delivered)")
        }
    }

    static func checkSigningAlgorithm(_ configuration: ClientConfiguration, field: String) throws(EngineConfigurationError) {
        if let algorithm = configuration.tokenEndpointAuthSigningAlg, !ClientAssertionVerifier.algorithms.contains(algorithm) {
            throw EngineConfigurationError(
                field: "\(field).token_endpoint_auth_signing_alg", reason: "must be one of \(ClientAssertionVerifier.algorithms.joined(separator: ", "))")
        }
    }

    /// A ping or push client's notification endpoint, checked: present for those modes, absolute,
    /// `https`, or `http` to a loopback address when the policy allows it; `nil` for a poll client.
    static func notificationEndpoint(_ configuration: ClientConfiguration, field: String, policy: ServerPolicy) throws(EngineConfigurationError) -> URL? {
        let endpointField = "\(field).backchannel_client_notification_endpoint"
        guard configuration.backchannelTokenDeliveryMode != .poll else {
            if configuration.backchannelClientNotificationEndpoint != nil {
                throw EngineConfigurationError(field: endpointField, reason: "is only for ping and push clients")
            }
            return nil
        }
        guard let text = configuration.backchannelClientNotificationEndpoint else {
            throw EngineConfigurationError(
                field: endpointField, reason: "is required in \(configuration.backchannelTokenDeliveryMode.rawValue) mode")
        }
        guard let url = URL(string: text), let host = url.host, !host.isEmpty, url.fragment == nil, url.user == nil else {
            throw EngineConfigurationError(field: endpointField, reason: "is not an absolute URL without credentials or fragment")
        }
        switch url.scheme?.lowercased() {
        case "https": return url
        case "http":
            guard policy.allowInsecureLoopbackNotifications, ServerExposure(bindHost: host) == .loopback else {
                throw EngineConfigurationError(
                    field: endpointField,
                    reason: "must be https (http only to a loopback address, with policy.allow_insecure_loopback_notifications: true)")
            }
            return url
        default:
            throw EngineConfigurationError(field: endpointField, reason: "must be an https URL")
        }
    }
}
