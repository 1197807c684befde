import BackchannelCore

/// `server.operations:` the operations listener, apart from the public port: `/metrics`, `/healthz`
/// and `/readyz`.
public struct OperationsSettings: Decodable, Sendable {
    /// `enabled`: serve the operations listener at all.
    public var enabled: Bool = true
    /// `host`: the address to bind; loopback by default, since nothing on it is for the public.
    public var host: String = "127.0.0.1"
    /// `port`: the port to bind (`--operations-port` overrides).
    public var port: Int = 9090

    /// The defaults: enabled on 127.0.0.1:9090.
    public init() {}

    private enum CodingKeys: String, CodingKey, CaseIterable { case enabled, host, port }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? enabled
        host = try container.decodeIfPresent(String.self, forKey: .host) ?? host
        port = try container.decodeIfPresent(Int.self, forKey: .port) ?? port
        guard (0...65535).contains(port) else {
            throw DecodingError.dataCorruptedError(forKey: .port, in: container, debugDescription: "must be between 0 and 65535")
        }
    }
}
