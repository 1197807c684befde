import BackchannelCore

/// How to reach the SMTP server (snake_case keys in the file).
public struct SMTPConfiguration: Decodable, Sendable, Hashable {
    /// Transport security.
    public enum Security: String, ConfigurationEnum, Sendable, Hashable {
        /// Plain text: only for a relay on loopback.
        case none
        /// Plain connection upgraded with STARTTLS before anything is sent; refused if the server does not offer it.
        case starttls
        /// TLS from the first byte (SMTPS, usually port 465).
        case tls
    }

    /// `host`.
    public var host: String
    /// `port`.
    public var port: Int
    /// `security`: `starttls` (default), `tls` or `none`.
    public var security: Security
    /// `username`, for AUTH PLAIN or LOGIN.
    public var username: String?
    /// `password`.
    public var password: String?
    /// `ca_file`: a PEM file of trusted roots instead of the system's (for a private relay).
    public var caFile: String?
    /// `timeout_seconds`: for connecting and for each reply.
    public var timeoutSeconds: Int

    /// Creates a configuration.
    public init(host: String, port: Int, security: Security = .starttls, username: String? = nil, password: String? = nil, caFile: String? = nil, timeoutSeconds: Int = 15) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.caFile = caFile
        self.timeoutSeconds = timeoutSeconds
    }

    private enum CodingKeys: String, CodingKey, CaseIterable { case host, port, security, username, password, caFile, timeoutSeconds }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            host: try container.decode(String.self, forKey: .host),
            port: try container.decode(Int.self, forKey: .port),
            security: try container.decodeIfPresent(Security.self, forKey: .security) ?? .starttls,
            username: try container.decodeIfPresent(String.self, forKey: .username),
            password: try container.decodeIfPresent(String.self, forKey: .password),
            caFile: try container.decodeIfPresent(String.self, forKey: .caFile),
            timeoutSeconds: try container.decodeIfPresent(Int.self, forKey: .timeoutSeconds) ?? 15)
        guard (1...65535).contains(port) else {
            throw DecodingError.dataCorruptedError(forKey: .port, in: container, debugDescription: "must be between 1 and 65535")
        }
        // In clear, the password and every mail's link token (a bearer credential) cross the network.
        if security == .none, ServerExposure(bindHost: host) != .loopback {
            throw DecodingError.dataCorruptedError(
                forKey: .security, in: container,
                debugDescription: "none sends the password and the mails' links in clear: allowed only to a loopback host; use starttls or tls")
        }
    }
}
