/// The CIBA-relevant part of an OpenID Provider's metadata (RFC 8414, CIBA Core §4).
public struct ProviderMetadata: Codable, Sendable, Hashable {
    /// `issuer`.
    public var issuer: String
    /// `token_endpoint`.
    public var tokenEndpoint: String
    /// `backchannel_authentication_endpoint`.
    public var backchannelAuthenticationEndpoint: String
    /// `jwks_uri`.
    public var jwksUri: String
    /// `backchannel_token_delivery_modes_supported`.
    public var backchannelTokenDeliveryModesSupported: [String]?
    /// `backchannel_user_code_parameter_supported`.
    public var backchannelUserCodeParameterSupported: Bool?
    /// `grant_types_supported`.
    public var grantTypesSupported: [String]?
    /// `token_endpoint_auth_methods_supported`.
    public var tokenEndpointAuthMethodsSupported: [String]?
    /// `scopes_supported`.
    public var scopesSupported: [String]?
    /// `id_token_signing_alg_values_supported`.
    public var idTokenSigningAlgValuesSupported: [String]?
    /// `acr_values_supported`.
    public var acrValuesSupported: [String]?
    /// `userinfo_endpoint`.
    public var userinfoEndpoint: String?
    /// `revocation_endpoint` (RFC 7009).
    public var revocationEndpoint: String?
    /// `introspection_endpoint` (RFC 7662).
    public var introspectionEndpoint: String?
    /// `authorization_details_types_supported` (RFC 9396).
    public var authorizationDetailsTypesSupported: [String]?

    private enum CodingKeys: String, CodingKey {
        case issuer
        case tokenEndpoint = "token_endpoint"
        case backchannelAuthenticationEndpoint = "backchannel_authentication_endpoint"
        case jwksUri = "jwks_uri"
        case backchannelTokenDeliveryModesSupported = "backchannel_token_delivery_modes_supported"
        case backchannelUserCodeParameterSupported = "backchannel_user_code_parameter_supported"
        case grantTypesSupported = "grant_types_supported"
        case tokenEndpointAuthMethodsSupported = "token_endpoint_auth_methods_supported"
        case scopesSupported = "scopes_supported"
        case idTokenSigningAlgValuesSupported = "id_token_signing_alg_values_supported"
        case acrValuesSupported = "acr_values_supported"
        case userinfoEndpoint = "userinfo_endpoint"
        case revocationEndpoint = "revocation_endpoint"
        case introspectionEndpoint = "introspection_endpoint"
        case authorizationDetailsTypesSupported = "authorization_details_types_supported"
    }
}
