import Tracing

/// Where the engine's spans go: to the tracer the host configured (`observability.tracing`), or nowhere.
///
/// Off, nothing is made: each span site is one branch in front of the code as it runs untraced. On, a site
/// makes its span only within a request's recorded trace (the task has a current context; the HTTP adapter
/// decides which requests are traced), each a child of the current span, so the HTTP request, the engine's
/// step, the authenticator's call, the store's operations and the outbound calls of one request make one
/// tree, and background loops make none.
///
/// No attribute carries a secret, a subject or an `auth_req_id`: a request is named by the label its audit
/// events carry (`backchannel.auth_req_id_sha256`), the start of the hash the store keys it by.
public struct EngineTracer: Sendable {
    /// The tracer; `nil` when tracing is off.
    public let tracer: (any Tracer)?

    /// Spans to `tracer`, or none when it is `nil`.
    public init(_ tracer: (any Tracer)?) {
        self.tracer = tracer
    }

    /// No spans.
    public static let off = EngineTracer(nil)

    /// Whether spans are recorded.
    public var isOn: Bool { tracer != nil }

    /// Runs `body` in a span named `name`, a child of `context` (the task's current context by default).
    /// - Parameters:
    ///   - name: The span's name, computed only when tracing is on.
    ///   - kind: The span's kind.
    ///   - context: The parent; the current one when `nil`.
    ///   - body: The work; it receives the span (`nil` when tracing is off) to set attributes on.
    public func span<T>(
        _ name: @autoclosure () -> String, kind: SpanKind = .internal, context: ServiceContext? = nil,
        _ body: ((any Span)?) async throws -> T
    ) async rethrows -> T {
        guard let tracer else { return try await body(nil) }
        let span = tracer.startAnySpan(name(), context: context ?? .current ?? .topLevel, ofKind: kind)
        defer { span.end() }
        do {
            return try await ServiceContext.$current.withValue(span.context) {
                try await body(span)
            }
        } catch {
            span.recordError(error)
            throw error
        }
    }
}
