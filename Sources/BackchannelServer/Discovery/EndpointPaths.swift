/// Where the server's endpoints live, relative to the issuer. The HTTP adapter mounts its routes here,
/// and discovery advertises the same paths.
public enum EndpointPaths {
    /// The backchannel authentication endpoint (CIBA Core §7).
    public static let backchannelAuthentication = "/backchannel/authentication"
    /// The token endpoint.
    public static let token = "/token"
    /// The UserInfo endpoint (OpenID Connect Core §5.3).
    public static let userinfo = "/userinfo"
    /// Token revocation (RFC 7009).
    public static let revocation = "/revoke"
    /// Token introspection (RFC 7662).
    public static let introspection = "/introspect"
    /// The authorization endpoint, which only explains that this provider has none to offer.
    public static let authorization = "/authorize"
    /// The JWKS.
    public static let jwks = "/jwks"
    /// OpenID Provider metadata.
    public static let discovery = "/.well-known/openid-configuration"
    /// The prefix under which each authenticator's front-channel pages are served, followed by its name.
    public static let frontChannelPrefix = "/authn"
}
