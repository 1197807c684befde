import Foundation

/// Sends one notification over HTTP: the host gives the engine one (an HTTP client of its choosing),
/// so the engine stays free of any HTTP stack.
public protocol NotificationTransport: Sendable {
    /// POSTs `body` as `application/json` to `endpoint` with `Authorization: Bearer <bearerToken>`,
    /// following no redirect, within `timeout`.
    /// - Returns: The response's status code.
    /// - Throws: On a connection error or the timeout.
    func post(_ body: Data, to endpoint: URL, bearerToken: String, timeout: Duration) async throws -> Int
}
