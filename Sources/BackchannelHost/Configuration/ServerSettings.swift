/// `server:` in the configuration file: where the server listens and what it calls itself.
public struct ServerSettings: Decodable, Sendable {
    /// `host`: the address to bind.
    public var host: String = "127.0.0.1"
    /// `port`: the port to bind.
    public var port: Int = 8080
    /// `issuer`: the issuer identifier; defaults to `http://<host>:<port>`.
    public var issuer: String?
    /// `max_body_size`: the largest form body accepted, in bytes.
    public var maxBodySize: Int = 64 * 1024
    /// `idle_timeout`: seconds a connection may go without sending a byte (idle between requests, or in
    /// the middle of a request's head or body) before it is closed.
    public var idleTimeout: Int = 30
    /// `body_read_timeout`: seconds from a request's head to its last body byte; a slower request's
    /// connection is closed (a body that trickles in never looks idle).
    public var bodyReadTimeout: Int = 10
    /// `shutdown_deadline`: seconds a graceful shutdown (SIGTERM, SIGINT) waits for in-flight deliveries
    /// before it cancels them (they conclude their requests as failed).
    public var shutdownDeadline: Int = 10
    /// `operations`: the operations listener (metrics, health).
    public var operations = OperationsSettings()
    /// `tls`: serve HTTPS with this certificate; plain HTTP without it.
    public var tls: TLSSettings?
    /// `client_certificates`: accept client certificates for mutual TLS (RFC 8705).
    public var clientCertificates: ClientCertificateSettings?

    /// The defaults: 127.0.0.1:8080.
    public init() {}

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case host, port, issuer, maxBodySize, idleTimeout, bodyReadTimeout, shutdownDeadline, operations, tls, clientCertificates
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        host = try container.decodeIfPresent(String.self, forKey: .host) ?? host
        port = try container.decodeIfPresent(Int.self, forKey: .port) ?? port
        issuer = try container.decodeIfPresent(String.self, forKey: .issuer)
        maxBodySize = try container.decodeIfPresent(Int.self, forKey: .maxBodySize) ?? maxBodySize
        idleTimeout = try container.decodeIfPresent(Int.self, forKey: .idleTimeout) ?? idleTimeout
        bodyReadTimeout = try container.decodeIfPresent(Int.self, forKey: .bodyReadTimeout) ?? bodyReadTimeout
        shutdownDeadline = try container.decodeIfPresent(Int.self, forKey: .shutdownDeadline) ?? shutdownDeadline
        operations = try container.decodeIfPresent(OperationsSettings.self, forKey: .operations) ?? operations
        tls = try container.decodeIfPresent(TLSSettings.self, forKey: .tls)
        clientCertificates = try container.decodeIfPresent(ClientCertificateSettings.self, forKey: .clientCertificates)
        if let clientCertificates, clientCertificates.header == nil, tls == nil {
            throw DecodingError.dataCorruptedError(
                forKey: .clientCertificates, in: container,
                debugDescription: "needs server.tls (certificates from this server's handshake) or a header from a TLS-terminating proxy")
        }
        guard idleTimeout > 0, bodyReadTimeout > 0, shutdownDeadline > 0 else {
            throw DecodingError.dataCorruptedError(forKey: .idleTimeout, in: container, debugDescription: "timeouts must be positive seconds")
        }
        guard (0...65535).contains(port) else {
            throw DecodingError.dataCorruptedError(forKey: .port, in: container, debugDescription: "must be between 0 and 65535")
        }
        guard maxBodySize >= 1024 else {
            throw DecodingError.dataCorruptedError(forKey: .maxBodySize, in: container, debugDescription: "must be at least 1024 bytes")
        }
    }

    /// The issuer this server announces.
    public var effectiveIssuer: String {
        issuer ?? "\(tls == nil ? "http" : "https")://\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }
}
