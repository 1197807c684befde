/// The HTTP client the host lends plugins (``BackchannelHostServices/http``), so that no plugin owns,
/// configures or shuts down one of its own.
///
/// The host's rules hold for every call: certificates are verified (the system's trust roots, plus those a
/// plugin adds with ``trusting(certificatesInPEMFile:)``), plain `http` goes to loopback addresses only,
/// redirects are not followed, a refused connection fails at once, and every call has a deadline. The host
/// shuts its clients down after the plugins' background work has ended.
public protocol OutboundHTTPClient: Sendable {
    /// Sends `request` and reads the answer.
    /// - Parameters:
    ///   - request: The request.
    ///   - maxResponseBytes: The most body the caller reads; a longer body fails with
    ///     ``OutboundHTTPError/Code/responseTooLarge``.
    /// - Throws: ``OutboundHTTPError``; any status, 4xx and 5xx included, is an answer, not an error.
    func send(_ request: OutboundHTTPRequest, maxResponseBytes: Int) async throws(OutboundHTTPError) -> OutboundHTTPResponse

    /// A client that also trusts the CA certificates in a PEM file (a private CA, a test's stand-in for a
    /// push service); the host owns and shuts it down like this one.
    /// - Throws: ``OutboundHTTPError/Code/invalidRequest`` when the file holds no certificate.
    func trusting(certificatesInPEMFile path: String) throws(OutboundHTTPError) -> any OutboundHTTPClient
}
