import BackchannelServer
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOSSL

/// Where a request's client certificate comes from (RFC 8705 mutual TLS). The adapter only carries it to the
/// engine, which decides whether it authenticates a client.
public enum ClientCertificateSource: Sendable {
    /// No client certificates: mutual TLS is not used.
    case none
    /// The certificate the client presented in this server's own TLS handshake.
    case tls
    /// A TLS-terminating proxy in front of the server forwards it in the header `name` (the PEM,
    /// URL-encoded as nginx's `$ssl_client_escaped_cert` gives it, or the DER in base64); taken only from a
    /// connection whose peer address is one of `trustedProxies`, ignored from anyone else.
    case header(name: HTTPField.Name, trustedProxies: Set<String>)

    /// A proxy forwarded more than one certificate (the header twice, or one value holding two): a proxy that
    /// appends instead of overwriting would let a caller add any client's public certificate, so none is taken.
    struct AmbiguousCertificate: Error {
        /// The operator's log line's fixed reason code.
        static let reason = "forwarded_certificate_repeated"
    }

    /// The client certificate of `request`, if it has one this source vouches for.
    /// - Throws: ``AmbiguousCertificate`` when a trusted proxy's request carries more than one.
    func certificate(of request: Request, context: some RequestContext) async throws(AmbiguousCertificate) -> ClientCertificate? {
        switch self {
        case .none:
            return nil
        case .tls:
            guard let channel = (context as? any ChannelRequestContext)?.channel,
                let peer = try? await channel.nioSSL_peerCertificate().get(), let der = try? peer.toDERBytes()
            else { return nil }
            return try? ClientCertificate(der: der)
        case .header(let name, let trustedProxies):
            // Header lines are read one by one: `headers[name]` would merge them, and the first would win.
            let values = request.headers[values: name]
            guard !values.isEmpty, let channel = (context as? any ChannelRequestContext)?.channel,
                let address = channel.remoteAddress?.ipAddress, trustedProxies.contains(address)
            else { return nil }
            guard values.count == 1, let value = values.first, !Self.holdsSeveral(value) else { throw AmbiguousCertificate() }
            return Self.parse(value)
        }
    }

    /// Whether one header value holds more than one certificate: a list (a comma appears in neither form) or
    /// two PEM blocks.
    static func holdsSeveral(_ value: String) -> Bool {
        let text = value.removingPercentEncoding ?? value
        return value.contains(",") || text.components(separatedBy: "-----BEGIN CERTIFICATE-----").count > 2
    }

    /// A forwarded certificate: URL-encoded PEM, or base64 DER.
    static func parse(_ value: String) -> ClientCertificate? {
        guard value.utf8.count <= 16 * 1024 else { return nil }
        let text = value.removingPercentEncoding ?? value
        if text.contains("-----BEGIN CERTIFICATE-----") {
            guard let certificate = try? NIOSSLCertificate(bytes: Array(text.utf8), format: .pem), let der = try? certificate.toDERBytes() else { return nil }
            return try? ClientCertificate(der: der)
        }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let der = Data(base64Encoded: base64) else { return nil }
        return try? ClientCertificate(der: Array(der))
    }
}
