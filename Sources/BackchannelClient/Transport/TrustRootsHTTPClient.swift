import AsyncHTTPClient
import NIOSSL
import Synchronization

/// HTTP clients that trust a provider's private certificate authority besides the system's, without presenting
/// a client certificate: one per set of roots for the process, never shut down (like `HTTPClient.shared`).
enum TrustRootsHTTPClient {
    private static let clients = Mutex<[String: HTTPClient]>([:])

    /// The client trusting the certificates in `pem`.
    /// - Throws: ``ClientTLSIdentity/Invalid`` when `pem` holds no certificate.
    static func client(trusting pem: String) throws(ClientTLSIdentity.Invalid) -> HTTPClient {
        let roots: [NIOSSLCertificate]
        do {
            roots = try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8))
        } catch {
            throw ClientTLSIdentity.Invalid(description: "the trust roots are not PEM certificates")
        }
        guard !roots.isEmpty else { throw ClientTLSIdentity.Invalid(description: "the trust roots hold no certificate") }
        return clients.withLock { clients in
            if let client = clients[pem] { return client }
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.additionalTrustRoots = [.certificates(roots)]
            var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
            configuration.connectionPool.retryConnectionEstablishment = false
            configuration.timeout.connect = .seconds(5)
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            clients[pem] = client
            return client
        }
    }
}
