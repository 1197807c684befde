/// The `scim` directory's configuration (`directory: { plugin: scim, configuration: … }`).
///
/// ```yaml
/// base_url: https://idm.example.com/scim/v2   # http:// only to a loopback stand-in
/// bearer_token_file: /etc/backchannel/scim-token   # or bearer_token_env: SCIM_TOKEN
/// ca_file: /etc/backchannel/scim-ca.pem      # the server certificate's issuers; the system's by default
/// timeout_seconds: 5
/// ```
public struct SCIMDirectoryConfiguration: Decodable, Sendable {
    /// The service's base URL, without `/Users`.
    public var baseUrl: String
    /// A file holding the bearer token.
    public var bearerTokenFile: String?
    /// An environment variable holding the bearer token.
    public var bearerTokenEnv: String?
    /// PEM file of the certificate authorities the service's certificate must chain to.
    public var caFile: String?
    /// How long a request may take; 5 seconds by default.
    public var timeoutSeconds: Int?
}
