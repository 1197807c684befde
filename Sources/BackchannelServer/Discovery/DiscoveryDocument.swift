/// OpenID Provider metadata (OpenID Connect Discovery §3, RFC 8414 §2) with the CIBA members (CIBA §4).
struct DiscoveryDocument: Encodable {
    var issuer: String
    var authorizationEndpoint: String
    var tokenEndpoint: String
    var userinfoEndpoint: String
    var revocationEndpoint: String
    var introspectionEndpoint: String
    var revocationEndpointAuthMethodsSupported: [String]
    var introspectionEndpointAuthMethodsSupported: [String]
    var backchannelAuthenticationEndpoint: String
    var jwksUri: String
    var grantTypesSupported: [String]
    var backchannelTokenDeliveryModesSupported: [String]
    var backchannelUserCodeParameterSupported: Bool
    var backchannelAuthenticationRequestSigningAlgValuesSupported: [String]
    var tokenEndpointAuthMethodsSupported: [String]
    /// RFC 8705 §3.3: present (true) when some client may use mutual TLS.
    var tlsClientCertificateBoundAccessTokens: Bool?
    var tokenEndpointAuthSigningAlgValuesSupported: [String]
    var scopesSupported: [String]
    var idTokenSigningAlgValuesSupported: [String]
    var subjectTypesSupported: [String]
    var responseTypesSupported: [String]
    var acrValuesSupported: [String]
    var claimsSupported: [String]
    var claimsParameterSupported: Bool
    /// RFC 9396 §10.1; absent when no type is configured.
    var authorizationDetailsTypesSupported: [String]? = nil

    private enum CodingKeys: String, CodingKey {
        case issuer
        case authorizationEndpoint = "authorization_endpoint"
        case tokenEndpoint = "token_endpoint"
        case userinfoEndpoint = "userinfo_endpoint"
        case revocationEndpoint = "revocation_endpoint"
        case introspectionEndpoint = "introspection_endpoint"
        case revocationEndpointAuthMethodsSupported = "revocation_endpoint_auth_methods_supported"
        case introspectionEndpointAuthMethodsSupported = "introspection_endpoint_auth_methods_supported"
        case backchannelAuthenticationEndpoint = "backchannel_authentication_endpoint"
        case jwksUri = "jwks_uri"
        case grantTypesSupported = "grant_types_supported"
        case backchannelTokenDeliveryModesSupported = "backchannel_token_delivery_modes_supported"
        case backchannelUserCodeParameterSupported = "backchannel_user_code_parameter_supported"
        case backchannelAuthenticationRequestSigningAlgValuesSupported = "backchannel_authentication_request_signing_alg_values_supported"
        case tokenEndpointAuthMethodsSupported = "token_endpoint_auth_methods_supported"
        case tokenEndpointAuthSigningAlgValuesSupported = "token_endpoint_auth_signing_alg_values_supported"
        case tlsClientCertificateBoundAccessTokens = "tls_client_certificate_bound_access_tokens"
        case scopesSupported = "scopes_supported"
        case idTokenSigningAlgValuesSupported = "id_token_signing_alg_values_supported"
        case subjectTypesSupported = "subject_types_supported"
        case responseTypesSupported = "response_types_supported"
        case acrValuesSupported = "acr_values_supported"
        case claimsSupported = "claims_supported"
        case claimsParameterSupported = "claims_parameter_supported"
        case authorizationDetailsTypesSupported = "authorization_details_types_supported"
    }
}
