import AsyncHTTPClient
import BackchannelCore
import NIOSSL
import Synchronization

/// Every HTTP client a host lends its plugins: the shared one, and one per extra trust file a plugin asked
/// for, each made on first use. ``shutdown()`` closes them all, after the plugins' background work has
/// ended: left to `deinit`, AsyncHTTPClient stops the process.
public final class HostHTTPClients: Sendable {
    private struct State {
        /// Keyed by trust file; `""` is the shared client, trusting the system's roots only.
        var clients: [String: HTTPClient] = [:]
        var shutDown = false
    }

    private let state = Mutex(State())
    /// Where the clients' calls are traced.
    let tracing: OutboundTracing

    /// An owner of no client yet.
    /// - Parameter tracing: Where the calls' spans go; none by default.
    public init(tracing: OutboundTracing = .off) {
        self.tracing = tracing
    }

    /// Clients for test harnesses, which have no lifecycle: made on first use and kept for the life of the
    /// process, as AsyncHTTPClient's own `HTTPClient.shared` is.
    package static let processWide = HostHTTPClients()

    /// The client plugins get (``BackchannelCore/BackchannelHostServices/http``).
    public var client: any OutboundHTTPClient { SharedHostHTTPClient(owner: self) }

    /// The shared client, made on first use. - Throws: ``OutboundHTTPError/Code/cancelled`` after ``shutdown()``.
    func shared() throws(OutboundHTTPError) -> HTTPClient {
        try state.withLock { state throws(OutboundHTTPError) in
            guard !state.shutDown else { throw OutboundHTTPError(code: .cancelled) }
            if let made = state.clients[""] { return made }
            let made = Self.make(trustRoots: [])
            state.clients[""] = made
            return made
        }
    }

    func client(trusting path: String) throws(OutboundHTTPError) -> any OutboundHTTPClient {
        guard !path.isEmpty else { throw OutboundHTTPError(code: .invalidRequest) }
        if let made = state.withLock({ $0.clients[path] }) { return HostHTTPClient(client: made, owner: self) }
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            throw OutboundHTTPError(code: .invalidRequest)
        }
        guard !certificates.isEmpty else { throw OutboundHTTPError(code: .invalidRequest) }
        // Made under the lock (making a client does no I/O), so two callers never make two.
        let kept = try state.withLock { state throws(OutboundHTTPError) -> HTTPClient in
            guard !state.shutDown else { throw OutboundHTTPError(code: .cancelled) }
            if let other = state.clients[path] { return other }
            let made = Self.make(trustRoots: certificates)
            state.clients[path] = made
            return made
        }
        return HostHTTPClient(client: kept, owner: self)
    }

    /// Shuts every client down; calls after it fail as the clients do once shut down.
    public func shutdown() async {
        let clients = state.withLock { state -> [HTTPClient] in
            guard !state.shutDown else { return [] }
            state.shutDown = true
            return Array(state.clients.values)
        }
        for client in clients { try? await client.shutdown() }
    }

    private static func make(trustRoots: [NIOSSLCertificate]) -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if !trustRoots.isEmpty { tls.additionalTrustRoots = [.certificates(trustRoots)] }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow)
        // A refused connection fails into the caller's own retry policy at once, instead of being retried
        // silently until the call's deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        configuration.httpVersion = .automatic
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }
}

/// The shared client as plugins hold it: made on the first call, so a host that never calls out makes none.
struct SharedHostHTTPClient: OutboundHTTPClient {
    let owner: HostHTTPClients

    func send(_ request: OutboundHTTPRequest, maxResponseBytes: Int) async throws(OutboundHTTPError) -> OutboundHTTPResponse {
        try await HostHTTPClient(client: try owner.shared(), owner: owner).send(request, maxResponseBytes: maxResponseBytes)
    }

    func trusting(certificatesInPEMFile path: String) throws(OutboundHTTPError) -> any OutboundHTTPClient {
        try owner.client(trusting: path)
    }
}
