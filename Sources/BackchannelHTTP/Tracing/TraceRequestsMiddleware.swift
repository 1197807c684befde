import HTTPTypes
import Hummingbird
import Tracing

/// One server span per HTTP request, the root of everything the request does (the engine's step, the
/// authenticator's call, the store's operations, outbound calls), or a child of the caller's span when the
/// request carries a W3C `traceparent`.
///
/// The span is named by method and route pattern (`POST /bc-authorize`, `GET /fc/sms/:code`), never by the
/// path as sent, and records no query, header or body: a front-channel link carries its secret in the path.
///
/// Which requests are traced is decided here, before anything is made: a request carrying a `traceparent`
/// follows its sampled flag; another starts a recorded trace at the configured ratio. A request not traced
/// makes no span anywhere (every other span of the server is a child of a request's, or of a trace kept
/// for its notification).
struct TraceRequestsMiddleware<Context: RequestContext>: RouterMiddleware {
    let tracer: any Tracer
    let sampler: TraceSampler

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let traceparent = request.headers[.traceparent]
        guard traceparent.flatMap(TraceSampler.sampled(traceparent:)) ?? sampler.sample() else { return try await next(request, context) }
        var parent = ServiceContext.topLevel
        if traceparent != nil { tracer.extract(request.headers, into: &parent, using: HTTPFieldsExtractor()) }
        let method = request.method.rawValue
        let span = tracer.startAnySpan("\(method)", context: parent, ofKind: .server)
        defer { span.end() }
        span.attributes["http.request.method"] = method
        do {
            let response = try await ServiceContext.$current.withValue(span.context) {
                try await next(request, context)
            }
            Self.finish(span, method: method, route: context.endpointPath, status: response.status.code)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            Self.finish(span, method: method, route: context.endpointPath, status: status)
            if status >= 500 { span.recordError(error) }
            throw error
        }
    }

    private static func finish(_ span: any Span, method: String, route: String?, status: Int) {
        span.operationName = route.map { "\(method) \($0)" } ?? "\(method) (no route)"
        if let route { span.attributes["http.route"] = route }
        span.attributes["http.response.status_code"] = status
        // A server span fails on 5xx only: a 4xx is the client's mistake, answered as it should be.
        if status >= 500 { span.setStatus(SpanStatus(code: .error)) }
    }
}

/// Reads the W3C trace headers of an incoming request.
private struct HTTPFieldsExtractor: Extractor {
    func extract(key: String, from fields: HTTPFields) -> String? {
        HTTPField.Name(key).flatMap { fields[$0] }
    }
}

extension HTTPField.Name {
    /// W3C Trace Context's header.
    fileprivate static let traceparent = HTTPField.Name("traceparent")!
}
