import BackchannelCore
import Foundation

/// `server.operations:` the operations listener, apart from the public port: `/metrics`, `/healthz`
/// and `/readyz`; with an admin token, the admin API (`/admin/`) and the operator console (`/console/`).
public struct OperationsSettings: Decodable, Sendable {
    /// `enabled`: serve the operations listener at all.
    public var enabled: Bool = true
    /// `host`: the address to bind; loopback by default, since nothing on it is for the public.
    public var host: String = "127.0.0.1"
    /// `port`: the port to bind (`--operations-port` overrides).
    public var port: Int = 9090
    /// `admin_token`: the bearer token of the admin API (`/admin/`), inline. Prefer `admin_token_file` or
    /// the `BACKCHANNEL_ADMIN_TOKEN` environment variable; with none of the three the admin API is off.
    public var adminToken: String?
    /// `admin_token_file`: a file holding the admin API's bearer token.
    public var adminTokenFile: String?

    /// `console_session_seconds`: how long an operator console session lasts after signing in (15 minutes by
    /// default, at most a day).
    public var consoleSessionSeconds: Int = 900

    /// The shortest admin token accepted.
    public static let minAdminTokenLength = 32

    /// The admin API's token: `admin_token`, else the contents of `admin_token_file` (trimmed), else
    /// `BACKCHANNEL_ADMIN_TOKEN`; `nil` when none is set (the admin API is off).
    /// - Throws: `ConfigurationError` naming the field when the file cannot be read or a token is too short.
    public func resolvedAdminToken(environment: [String: String]) throws(ConfigurationError) -> String? {
        let token: String
        let field: String
        if let adminToken {
            return adminToken
        } else if let adminTokenFile {
            guard let contents = try? String(contentsOfFile: adminTokenFile, encoding: .utf8) else {
                throw ConfigurationError(path: "server.operations.admin_token_file", reason: "cannot read \(adminTokenFile)")
            }
            (token, field) = (contents.trimmingCharacters(in: .whitespacesAndNewlines), "server.operations.admin_token_file")
        } else if let value = environment["BACKCHANNEL_ADMIN_TOKEN"] {
            (token, field) = (value.trimmingCharacters(in: .whitespacesAndNewlines), "BACKCHANNEL_ADMIN_TOKEN")
        } else {
            return nil
        }
        guard token.count >= Self.minAdminTokenLength else {
            throw ConfigurationError(path: field, reason: "the admin token must be at least \(Self.minAdminTokenLength) characters (openssl rand -hex 32)")
        }
        return token
    }

    /// The defaults: enabled on 127.0.0.1:9090.
    public init() {}

    private enum CodingKeys: String, CodingKey, CaseIterable { case enabled, host, port, adminToken, adminTokenFile, consoleSessionSeconds }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? enabled
        host = try container.decodeIfPresent(String.self, forKey: .host) ?? host
        port = try container.decodeIfPresent(Int.self, forKey: .port) ?? port
        adminToken = try container.decodeIfPresent(String.self, forKey: .adminToken)
        adminTokenFile = try container.decodeIfPresent(String.self, forKey: .adminTokenFile)
        if adminToken != nil, adminTokenFile != nil {
            throw DecodingError.dataCorruptedError(forKey: .adminTokenFile, in: container, debugDescription: "give admin_token or admin_token_file, not both")
        }
        if let adminToken, adminToken.count < Self.minAdminTokenLength {
            throw DecodingError.dataCorruptedError(
                forKey: .adminToken, in: container, debugDescription: "must be at least \(Self.minAdminTokenLength) characters (openssl rand -hex 32)")
        }
        consoleSessionSeconds = try container.decodeIfPresent(Int.self, forKey: .consoleSessionSeconds) ?? consoleSessionSeconds
        guard (1...86_400).contains(consoleSessionSeconds) else {
            throw DecodingError.dataCorruptedError(forKey: .consoleSessionSeconds, in: container, debugDescription: "must be between 1 and 86400")
        }
        guard (0...65535).contains(port) else {
            throw DecodingError.dataCorruptedError(forKey: .port, in: container, debugDescription: "must be between 0 and 65535")
        }
    }
}
