import BackchannelCore
import Crypto
import CryptoExtras
import Foundation
import JWTKit
import X509

/// How a client's certificate is recognised for mutual TLS (RFC 8705 §2): by the name a trusted authority
/// certified (`tls_client_auth`), or by one of the public keys it registered (`self_signed_tls_client_auth`).
struct MutualTLSRegistration: Sendable {
    /// The one name a `tls_client_auth` certificate must carry (RFC 8705 §2.1.2).
    enum Name: Sendable, Equatable {
        case subjectDN(String)
        case dns(String)
        case uri(String)
        case ip(String)
        case email(String)
    }

    let name: Name?
    /// The registered public keys a self-signed certificate may carry.
    let publicKeys: [Certificate.PublicKey]

    /// Whether the certificate carries the registered name (a DN compared in a normalised RFC 4514 form;
    /// SANs exactly, DNS names and e-mail domains case-insensitively).
    func matchesName(_ certificate: ClientCertificate) -> Bool {
        guard let name else { return false }
        let sans = certificate.subjectAlternativeNames
        switch name {
        case .subjectDN(let dn): return Self.normalisedDN(dn) == Self.normalisedDN(certificate.subjectDN)
        case .dns(let dns): return sans.dns.contains { $0.lowercased() == dns.lowercased() }
        case .uri(let uri): return sans.uri.contains(uri)
        case .ip(let ip): return sans.ip.contains(ip)
        case .email(let email): return sans.email.contains { $0.lowercased() == email.lowercased() }
        }
    }

    /// The registered name, as the operator's log shows it beside the presented certificate's.
    var expected: String {
        switch name {
        case .subjectDN(let dn): "subject DN \(Self.normalisedDN(dn))"
        case .dns(let value): "SAN DNS \(value)"
        case .uri(let value): "SAN URI \(value)"
        case .ip(let value): "SAN IP \(value)"
        case .email(let value): "SAN email \(value)"
        case nil: "none"
        }
    }

    /// Whether the certificate's public key is one the client registered.
    func matchesKey(_ certificate: ClientCertificate) -> Bool {
        publicKeys.contains(certificate.certificate.publicKey)
    }

    /// An RFC 4514 DN with attribute types upper-cased and the spaces around separators dropped, so that
    /// `cn=client, O=Bank` and `CN=client,O=Bank` compare equal. Escaped commas stay part of their value.
    static func normalisedDN(_ dn: String) -> String {
        var parts: [String] = []
        var current = ""
        var escaped = false
        for character in dn {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                current.append(character)
                escaped = true
            } else if character == "," || character == "+" {
                parts.append(current)
                parts.append(String(character))
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current)
        return parts.map { part in
            guard part != ",", part != "+", let equals = part.firstIndex(of: "=") else { return part }
            let type = part[..<equals].trimmingCharacters(in: .whitespaces).uppercased()
            let value = part[part.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            return type + "=" + value
        }.joined()
    }

    /// The public key of a registered JWK (EC P-256 or RSA), as a certificate would carry it.
    static func publicKey(of jwk: JWK) -> Certificate.PublicKey? {
        switch jwk.keyType {
        case .ecdsa:
            guard jwk.curve?.rawValue == "P-256", let x = jwk.x.flatMap(Base64URL.decode), let y = jwk.y.flatMap(Base64URL.decode),
                let key = try? P256.Signing.PublicKey(rawRepresentation: x + y)
            else { return nil }
            return Certificate.PublicKey(key)
        case .rsa:
            guard let n = jwk.modulus.flatMap(Base64URL.decode), let e = jwk.exponent.flatMap(Base64URL.decode),
                let key = try? _RSA.Signing.PublicKey(n: n, e: e)
            else { return nil }
            return Certificate.PublicKey(key)
        default:
            return nil
        }
    }
}
