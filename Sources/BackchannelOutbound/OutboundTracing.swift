import AsyncHTTPClient
import BackchannelCore
import Foundation
import NIOCore
import NIOHTTP1
import Tracing

/// Outbound HTTP calls in spans of their own (`HTTP POST`, kind client), with the W3C `traceparent` of the
/// current trace sent along, so the gateway, relay, push service or client endpoint can join the trace.
///
/// Only within a trace (a request's, or the background work it submitted): a call outside one is made as it
/// is. A span says the method, the scheme, host and port, and the status, never the path or the query: a
/// webhook's or gateway's URL often carries its secret there. Off (no tracer), a call is made as it is.
public struct OutboundTracing: Sendable {
    /// The tracer; `nil` when tracing is off.
    public let tracer: (any Tracer)?

    /// Spans to `tracer`, or none when it is `nil`.
    public init(_ tracer: (any Tracer)?) {
        self.tracer = tracer
    }

    /// No spans.
    public static let off = OutboundTracing(nil)

    /// Executes `request` with `client`, in a span when tracing is on.
    /// - Parameters:
    ///   - request: The request; the trace's headers are added to it.
    ///   - client: The client.
    ///   - timeout: The call's deadline.
    ///   - peer: What the call reaches, as the span's `backchannel.peer` (`sms_gateway`, `client_notification`…).
    package func execute(
        _ request: HTTPClientRequest, with client: HTTPClient, timeout: TimeAmount, peer: String
    ) async throws -> HTTPClientResponse {
        // Within a recorded trace only (a request's, or the background work it submitted).
        guard let tracer, ServiceContext.current != nil else { return try await client.execute(request, timeout: timeout) }
        return try await tracer.withAnySpan("HTTP \(request.method.rawValue)", ofKind: .client) { span in
            var request = request
            tracer.inject(span.context, into: &request.headers, using: HeadersInjector())
            span.attributes["http.request.method"] = request.method.rawValue
            span.attributes["backchannel.peer"] = peer
            if let url = URL(string: request.url) {
                span.attributes["url.scheme"] = url.scheme
                span.attributes["server.address"] = url.host
                if let port = url.port { span.attributes["server.port"] = port }
            }
            let response = try await client.execute(request, timeout: timeout)
            span.attributes["http.response.status_code"] = Int(response.status.code)
            if response.status.code >= 400 { span.setStatus(SpanStatus(code: .error)) }
            return response
        }
    }
}

extension OutboundTracing: OutboundCallRecorder {
    /// A call a plugin makes by itself (an SMTP relay) in a client span named `name`, with its `peer`.
    public func record<T>(_ name: String, peer: String, _ call: () async throws -> T) async rethrows -> T {
        guard let tracer, ServiceContext.current != nil else { return try await call() }
        return try await tracer.withAnySpan(name, ofKind: .client) { span in
            span.attributes["backchannel.peer"] = peer
            return try await call()
        }
    }
}

/// Writes the trace's headers (`traceparent`, `tracestate`) into an outgoing request's.
private struct HeadersInjector: Injector {
    func inject(_ value: String, forKey key: String, into headers: inout HTTPHeaders) {
        headers.replaceOrAdd(name: key, value: value)
    }
}
