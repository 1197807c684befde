import BackchannelCore
import Logging
import OTel
import ServiceLifecycle
import Tracing

/// Distributed tracing as `observability.tracing` configures it: a tracer exporting over OTLP/HTTP with
/// swift-otel, the service that batches and exports its spans (run with the server's, shut down after it,
/// so the last spans go out), and what carries a trace into plugins' background work and log lines.
public struct TracingBackend: Sendable {
    /// The tracer the server's parts record spans with.
    public let tracer: any Tracer
    /// Batches and exports the spans; run it in the server's service group.
    public let service: any Service
    /// The share of requests without a `traceparent` whose traces are recorded (decided by the HTTP adapter
    /// before any span is made).
    public let sampling: Double

    /// A backend for `settings`, reporting its own failures (a collector out of reach) on `logger`.
    /// - Throws: swift-otel's configuration error.
    public init(_ settings: TracingSettings, logger: Logger) throws {
        var configuration = OTel.Configuration.default
        configuration.serviceName = settings.serviceName
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.traces.enabled = true
        configuration.traces.exporter = .otlp
        configuration.traces.otlpExporter.endpoint = settings.endpoint
        // Protobuf: swift-otel's OTLP/JSON writes trace and span ids in base64 where collectors read hex.
        configuration.traces.otlpExporter.protocol = .httpProtobuf
        // Which requests are traced is decided before any span is made (the HTTP adapter's sampler, a caller's
        // traceparent); every span made belongs to a recorded trace.
        configuration.traces.sampler = .parentBasedAlwaysOn
        configuration.propagators = [.traceContext]
        configuration.diagnosticLogger = .custom(logger)
        configuration.diagnosticLogLevel = .warning
        let backend = try OTel.makeTracingBackend(configuration: configuration)
        (tracer, service, sampling) = (backend.factory, backend.service, settings.sampling)
    }

    /// Adds the current trace's `trace_id` and `span_id` to every log line, audit events included.
    public static let logMetadata: Logger.MetadataProvider = OTel.makeLoggingMetadataProvider(configuration: .default)

    /// Plugins' background work that runs in the trace of the call that submitted it: an SMS sent after
    /// the request was answered is still a child of that request's span.
    public static func backgroundWork() -> BackgroundWork {
        BackgroundWork { operation in
            let context = ServiceContext.current
            return {
                guard let context else { return try await operation() }
                try await ServiceContext.$current.withValue(context) { try await operation() }
            }
        }
    }
}
