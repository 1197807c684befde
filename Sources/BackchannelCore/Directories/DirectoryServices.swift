import Logging

/// What the host lends a directory plugin when it makes one: the part of ``BackchannelHostServices`` a
/// directory can use (it resolves users; it has no pages, state or deliveries).
public struct DirectoryServices: Sendable {
    /// A logger labelled for this directory.
    public var logger: Logger
    /// The time, for caches and timeouts.
    public var clock: any BackchannelClock
    /// The HTTP client for a directory reached over HTTP (a SCIM service), under the server's rules and shut
    /// down by the host.
    public var http: any OutboundHTTPClient
    /// Who can reach the server.
    public var exposure: ServerExposure

    /// Creates the services.
    public init(logger: Logger, clock: any BackchannelClock = SystemClock(), http: any OutboundHTTPClient, exposure: ServerExposure = .network) {
        self.logger = logger
        self.clock = clock
        self.http = http
        self.exposure = exposure
    }
}
