import AsyncHTTPClient
import Foundation
import NIOSSL
import Synchronization

/// The certificate and key a client presents for mutual TLS (RFC 8705): to authenticate with
/// ``ClientCredentials/mutualTLS``, and so that the provider binds its access tokens to the certificate.
public struct ClientTLSIdentity: Sendable, Hashable {
    /// Why an identity could not be used.
    public struct Invalid: Error, CustomStringConvertible {
        /// What is wrong with it.
        public var description: String
    }

    /// The client's certificate chain, PEM, its own certificate first.
    public let certificateChainPEM: String
    /// Its private key, PEM.
    public let privateKeyPEM: String
    /// Certificate authorities to trust for the provider's own certificate (PEM), beyond the system's.
    public let trustRootsPEM: String?

    /// An identity; the PEM texts are read (and refused if they are not what they should be) now.
    /// - Throws: ``Invalid``.
    public init(certificateChainPEM: String, privateKeyPEM: String, trustRootsPEM: String? = nil) throws(Invalid) {
        self.certificateChainPEM = certificateChainPEM
        self.privateKeyPEM = privateKeyPEM
        self.trustRootsPEM = trustRootsPEM
        _ = try tlsConfiguration()
    }

    /// This identity trusting `trustRootsPEM` too (the provider's private CA), when given.
    func adding(trustRootsPEM extra: String?) throws(Invalid) -> ClientTLSIdentity {
        guard let extra else { return self }
        return try ClientTLSIdentity(
            certificateChainPEM: certificateChainPEM, privateKeyPEM: privateKeyPEM, trustRootsPEM: (trustRootsPEM.map { $0 + "\n" } ?? "") + extra)
    }

    /// The TLS client configuration that presents this identity.
    func tlsConfiguration() throws(Invalid) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        do {
            let chain = try NIOSSLCertificate.fromPEMBytes(Array(certificateChainPEM.utf8))
            guard !chain.isEmpty else { throw Invalid(description: "the certificate chain holds no certificate") }
            configuration.certificateChain = chain.map { .certificate($0) }
        } catch let error as Invalid {
            throw error
        } catch {
            throw Invalid(description: "the certificate chain is not PEM certificates")
        }
        do {
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(privateKeyPEM.utf8), format: .pem))
        } catch {
            throw Invalid(description: "the private key is not a PEM private key")
        }
        if let trustRootsPEM {
            do {
                configuration.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMBytes(Array(trustRootsPEM.utf8)))]
            } catch {
                throw Invalid(description: "the trust roots are not PEM certificates")
            }
        }
        return configuration
    }

    /// The HTTP client that presents this identity: one per identity for the process, never shut down
    /// (like `HTTPClient.shared`), so that clients made again and again share its connections.
    func httpClient() throws(Invalid) -> HTTPClient {
        let tls = try tlsConfiguration()
        return Self.clients.withLock { clients in
            if let client = clients[self] { return client }
            var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
            configuration.connectionPool.retryConnectionEstablishment = false
            configuration.timeout.connect = .seconds(5)
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            clients[self] = client
            return client
        }
    }

    private static let clients = Mutex<[ClientTLSIdentity: HTTPClient]>([:])
}
