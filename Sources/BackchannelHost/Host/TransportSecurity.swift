import BackchannelHTTP
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOSSL

/// What `server.tls` and `server.client_certificates` make: the TLS configuration of the listener, where
/// client certificates come from, and the authorities `tls_client_auth` trusts. Files are read once, at
/// start-up; any that cannot be read or parsed is a start-up error naming its field.
struct TransportSecurity: Sendable {
    /// The TLS server configuration, if the server terminates TLS itself.
    let tls: TLSConfiguration?
    /// Whether the handshake asks for a client certificate.
    let requestsClientCertificates: Bool
    /// Where requests' client certificates come from.
    let certificateSource: ClientCertificateSource
    /// The `tls_client_auth` authorities, DER.
    let authorities: [[UInt8]]

    init(_ server: ServerSettings) throws(ServerAssembly.Failure) {
        var authorities: [[UInt8]] = []
        if let caFile = server.clientCertificates?.caFile {
            do {
                authorities = try NIOSSLCertificate.fromPEMFile(caFile).map { try $0.toDERBytes() }
            } catch {
                throw .transport(field: "server.client_certificates.ca_file", reason: "cannot read certificates (PEM) from \(caFile)")
            }
            if authorities.isEmpty {
                throw .transport(field: "server.client_certificates.ca_file", reason: "holds no certificate")
            }
        }
        self.authorities = authorities
        if let header = server.clientCertificates?.header {
            guard let name = HTTPField.Name(header) else {
                throw .transport(field: "server.client_certificates.header", reason: "is not a valid header name")
            }
            certificateSource = .header(name: name, trustedProxies: Set(server.clientCertificates?.trustedProxies ?? []))
            requestsClientCertificates = false
        } else {
            certificateSource = server.clientCertificates == nil ? .none : .tls
            requestsClientCertificates = server.clientCertificates != nil
        }
        guard let settings = server.tls else {
            tls = nil
            return
        }
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(settings.certificateFile)
        } catch {
            throw .transport(field: "server.tls.certificate_file", reason: "cannot read certificates (PEM) from \(settings.certificateFile)")
        }
        guard !chain.isEmpty else { throw .transport(field: "server.tls.certificate_file", reason: "holds no certificate") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: settings.privateKeyFile, format: .pem)
        } catch {
            throw .transport(field: "server.tls.private_key_file", reason: "cannot read a private key (PEM) from \(settings.privateKeyFile)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        // Asked for, never required: a client may authenticate otherwise. Which certificate authenticates
        // which client (a CA's for tls_client_auth, a registered key's for self_signed_tls_client_auth) is
        // the engine's decision, so the handshake accepts any (see `acceptAnyCertificate`).
        if requestsClientCertificates { configuration.certificateVerification = .optionalVerification }
        do {
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw .transport(field: "server.tls", reason: "the certificate and key do not make a TLS configuration (\(error))")
        }
        tls = configuration
    }

    /// The listener: HTTP/1.1, over TLS when configured.
    func serverBuilder(_ http: HTTP1Channel.Configuration) throws -> HTTPServerBuilder {
        guard let tls else { return .http1(configuration: http) }
        return try .tls(
            .http1(configuration: http),
            configuration: TLSChannelConfiguration(
                tlsConfiguration: tls, customVerificationCallback: requestsClientCertificates ? Self.acceptAnyCertificate : nil))
    }

    /// Self-signed client certificates must reach the engine (RFC 8705 §2.2), so the handshake takes every
    /// certificate the client proves it holds the key of (TLS itself checks that), and the engine judges it.
    private static let acceptAnyCertificate: TLSChannelConfiguration.CustomVerificationCallback = { _, promise in
        promise.succeed(.certificateVerified)
    }
}
