import BackchannelCore
import Foundation

/// `observability:` what the server reports beyond metrics and logs: distributed traces.
public struct ObservabilitySettings: Decodable, Sendable {
    /// `tracing:` spans exported over OTLP; off when absent.
    public var tracing: TracingSettings?

    /// The defaults: no tracing.
    public init() {}

    private enum CodingKeys: String, CodingKey, CaseIterable { case tracing }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        tracing = try container.decodeIfPresent(TracingSettings.self, forKey: .tracing)
    }
}

/// `observability.tracing:` where spans go and how many traces are kept.
public struct TracingSettings: Decodable, Sendable {
    /// `endpoint`: the collector's OTLP/HTTP traces URL, used as it is (`http://127.0.0.1:4318/v1/traces`);
    /// spans are sent as protobuf, what every collector takes.
    public var endpoint: String
    /// `sampling`: the share of new traces recorded, from 0 to 1 (1 by default); a request that arrives with a
    /// W3C `traceparent` follows the caller's decision.
    public var sampling: Double = 1
    /// `service_name`: the `service.name` of the spans (`backchanneld` by default).
    public var serviceName: String = "backchanneld"

    /// Spans to `endpoint`, every trace recorded.
    public init(endpoint: String, sampling: Double = 1) {
        self.endpoint = endpoint
        self.sampling = sampling
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case endpoint, sampling, serviceName
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        endpoint = try container.decode(String.self, forKey: .endpoint)
        guard let url = URL(string: endpoint), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
            throw DecodingError.dataCorruptedError(
                forKey: .endpoint, in: container, debugDescription: "must be the collector's http(s) URL, e.g. http://127.0.0.1:4318/v1/traces")
        }
        sampling = try container.decodeIfPresent(Double.self, forKey: .sampling) ?? sampling
        guard (0...1).contains(sampling) else {
            throw DecodingError.dataCorruptedError(forKey: .sampling, in: container, debugDescription: "must be between 0 and 1")
        }
        serviceName = try container.decodeIfPresent(String.self, forKey: .serviceName) ?? serviceName
        guard !serviceName.isEmpty else {
            throw DecodingError.dataCorruptedError(forKey: .serviceName, in: container, debugDescription: "must not be empty")
        }
    }
}
