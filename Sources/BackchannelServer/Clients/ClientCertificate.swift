import BackchannelCore
import Crypto
import Foundation
import X509

/// The X.509 certificate a client presented for mutual TLS (RFC 8705): in its TLS handshake, or forwarded
/// by a trusted TLS-terminating proxy. The transport passes it as it came; whether it authenticates a
/// client, and which, is the engine's decision.
public struct ClientCertificate: Sendable, Hashable {
    /// The certificate, DER-encoded.
    public let der: [UInt8]
    let certificate: Certificate
    /// `x5t#S256` (RFC 8705 §3.1): the base64url SHA-256 of the DER encoding, which binds tokens to it.
    public let thumbprint: String

    /// Parses a DER-encoded certificate.
    /// - Throws: when the bytes are not an X.509 certificate.
    public init(der: [UInt8]) throws {
        self.der = der
        self.certificate = try Certificate(derEncoded: der)
        self.thumbprint = Base64URL.encode(SHA256.hash(data: der))
    }

    /// The subject's distinguished name in the string form of RFC 4514 (most specific first).
    var subjectDN: String { certificate.subject.description }

    /// The subject alternative names of each kind RFC 8705 §2.1.2 lets a client register.
    var subjectAlternativeNames: (dns: [String], uri: [String], ip: [String], email: [String]) {
        var names: (dns: [String], uri: [String], ip: [String], email: [String]) = ([], [], [], [])
        guard let sans = try? certificate.extensions.subjectAlternativeNames else { return names }
        for name in sans {
            switch name {
            case .dnsName(let value): names.dns.append(value)
            case .uniformResourceIdentifier(let value): names.uri.append(value)
            case .rfc822Name(let value): names.email.append(value)
            case .ipAddress(let bytes): if let text = Self.ipText(bytes.bytes) { names.ip.append(text) }
            default: break
            }
        }
        return names
    }

    /// An IP address in its textual form, to compare with `tls_client_auth_san_ip` (RFC 8705 §2.1.2:
    /// IPv4 dotted decimal, IPv6 as RFC 5952 gives it).
    private static func ipText(_ bytes: ArraySlice<UInt8>) -> String? {
        switch bytes.count {
        case 4: return bytes.map(String.init).joined(separator: ".")
        case 16:
            var address = in6_addr()
            withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: bytes) }
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            guard inet_ntop(AF_INET6, &address, &text, socklen_t(text.count)) != nil else { return nil }
            return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        default: return nil
        }
    }
}
