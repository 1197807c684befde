/// Where a plugin records a call it makes to another service by itself, not through
/// ``BackchannelHostServices/http`` (whose calls the host records already): an SMTP relay, a socket of its own.
///
/// A host with distributed tracing makes each call a span of the request's trace (a child of the plugin's
/// call, or of the background work it submitted), so an operator following a slow authentication sees the
/// relay's share. Without tracing, the call is just made.
///
/// ```swift
/// try await services.outboundCalls.record("SMTP", peer: "smtp_relay") {
///     try await client.send(message)
/// }
/// ```
public protocol OutboundCallRecorder: Sendable {
    /// Runs `call`, recorded as a call named `name` (`SMTP`) to `peer` (`smtp_relay`: what it reaches, never an
    /// address with credentials or a user's data).
    func record<T>(_ name: String, peer: String, _ call: () async throws -> T) async rethrows -> T
}

/// Records nothing: the call is just made. What ``BackchannelHostServices/outboundCalls`` is by default.
public struct UnrecordedOutboundCalls: OutboundCallRecorder {
    /// Records nothing.
    public init() {}

    public func record<T>(_ name: String, peer: String, _ call: () async throws -> T) async rethrows -> T {
        try await call()
    }
}
