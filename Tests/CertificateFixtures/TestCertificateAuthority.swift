import Crypto
import Foundation
import SwiftASN1
import X509

/// A certificate authority made for a test, and the certificates it issues: what mutual-TLS tests
/// present, made fresh in each run (no key is committed).
public struct TestCertificateAuthority: Sendable {
    public let key = P256.Signing.PrivateKey()
    public let certificate: Certificate
    public let name: DistinguishedName

    /// A self-signed CA named `commonName`.
    public init(commonName: String = "Backchannel Test CA") throws {
        name = try DistinguishedName {
            OrganizationName("Backchannel Tests")
            CommonName(commonName)
        }
        let now = Date()
        certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now - 86400, notValidAfter: now + 3 * 365 * 86400, issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true))
            },
            issuerPrivateKey: Certificate.PrivateKey(key))
    }

    /// The CA certificate, DER-encoded.
    public var der: [UInt8] { get throws { try certificate.serializeAsPEM().derBytes } }
    /// The CA certificate, PEM-encoded.
    public var pem: String { get throws { try certificate.serializeAsPEM().pemString } }

    /// A certificate this CA issues for `subject` (`CN=…,O=…` built from the arguments), with DNS and IP
    /// address SANs (IPv4 as four bytes).
    public func issue(
        commonName: String, organization: String = "Bank", dnsNames: [String] = [], ipAddresses: [[UInt8]] = [],
        notValidAfter: Date = Date() + 3600, notValidBefore: Date = Date() - 60, serverAuth: Bool = false
    ) throws -> TestCertificate {
        let names = dnsNames.map { GeneralName.dnsName($0) } + ipAddresses.map { GeneralName.ipAddress(ASN1OctetString(contentBytes: $0[...])) }
        let key = P256.Signing.PrivateKey()
        // ASN.1 order, least specific first: RFC 4514's string form reads it backwards (CN=…,O=…).
        let subject = try DistinguishedName {
            OrganizationName(organization)
            CommonName(commonName)
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: notValidBefore, notValidAfter: notValidAfter, issuer: name, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                if !names.isEmpty { SubjectAlternativeNames(names) }
                if serverAuth { try ExtendedKeyUsage([.serverAuth]) }
            },
            issuerPrivateKey: Certificate.PrivateKey(self.key))
        return TestCertificate(key: key, certificate: certificate)
    }
}

/// A certificate and its private key.
public struct TestCertificate: Sendable {
    public let key: P256.Signing.PrivateKey
    public let certificate: Certificate

    /// A self-signed certificate for `commonName` (what `self_signed_tls_client_auth` clients present).
    public static func selfSigned(
        commonName: String, key: P256.Signing.PrivateKey = P256.Signing.PrivateKey(), now: Date = Date()
    ) throws -> TestCertificate {
        let name = try DistinguishedName { CommonName(commonName) }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now - 60, notValidAfter: now + 3600, issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: Certificate.Extensions(), issuerPrivateKey: Certificate.PrivateKey(key))
        return TestCertificate(key: key, certificate: certificate)
    }

    public var der: [UInt8] { get throws { try certificate.serializeAsPEM().derBytes } }
    public var pem: String { get throws { try certificate.serializeAsPEM().pemString } }
    public var keyPem: String { key.pemRepresentation }
    /// The public key as an EC JWK's `x` and `y` (base64url), for a client's `jwks`.
    public var jwkCoordinates: (x: String, y: String) {
        let raw = key.publicKey.rawRepresentation
        func b64(_ data: Data) -> String {
            data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
        return (b64(raw.prefix(32)), b64(raw.suffix(32)))
    }
}
