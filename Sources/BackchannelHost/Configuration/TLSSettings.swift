import BackchannelCore

/// `server.tls:` the server terminates TLS itself (HTTPS), with this certificate chain and key.
public struct TLSSettings: Decodable, Sendable, Hashable {
    /// `certificate_file`: the server's certificate chain, PEM, leaf first.
    public var certificateFile: String
    /// `private_key_file`: its private key, PEM.
    public var privateKeyFile: String

    /// Settings for these files.
    public init(certificateFile: String, privateKeyFile: String) {
        self.certificateFile = certificateFile
        self.privateKeyFile = privateKeyFile
    }

    private enum CodingKeys: String, CodingKey, CaseIterable { case certificateFile, privateKeyFile }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        certificateFile = try container.decode(String.self, forKey: .certificateFile)
        privateKeyFile = try container.decode(String.self, forKey: .privateKeyFile)
    }
}

/// `server.client_certificates:` mutual TLS (RFC 8705): where client certificates come from and which
/// authorities `tls_client_auth` trusts.
public struct ClientCertificateSettings: Decodable, Sendable, Hashable {
    /// `ca_file`: the certificate authorities (PEM, one or more) whose certificates `tls_client_auth`
    /// accepts; not needed when every mutual-TLS client is `self_signed_tls_client_auth`.
    public var caFile: String?
    /// `header`: behind a TLS-terminating proxy, the request header the proxy forwards the client
    /// certificate in (URL-encoded PEM, as nginx's `$ssl_client_escaped_cert`, or base64 DER). Without it,
    /// certificates come from this server's own TLS handshake (`server.tls`).
    public var header: String?
    /// `trusted_proxies`: the addresses the header is accepted from (required with `header`); from any
    /// other peer it is ignored.
    public var trustedProxies: [String]

    /// Settings for certificates from this server's own handshake.
    public init(caFile: String? = nil, header: String? = nil, trustedProxies: [String] = []) {
        self.caFile = caFile
        self.header = header
        self.trustedProxies = trustedProxies
    }

    private enum CodingKeys: String, CodingKey, CaseIterable { case caFile, header, trustedProxies }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        caFile = try container.decodeIfPresent(String.self, forKey: .caFile)
        header = try container.decodeIfPresent(String.self, forKey: .header)
        trustedProxies = try container.decodeIfPresent([String].self, forKey: .trustedProxies) ?? []
        if header != nil, trustedProxies.isEmpty {
            throw DecodingError.dataCorruptedError(
                forKey: .trustedProxies, in: container, debugDescription: "must name the proxies the header is accepted from")
        }
        if header == nil, !trustedProxies.isEmpty {
            throw DecodingError.dataCorruptedError(forKey: .trustedProxies, in: container, debugDescription: "is only for header")
        }
    }
}
