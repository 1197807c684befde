import BackchannelServer
import CertificateFixtures
import Foundation
import Testing

@testable import BackchannelHTTP

/// A certificate a TLS-terminating proxy forwards: what it must parse to, and what it must refuse.
@Suite("a proxy's forwarded client certificate")
struct ClientCertificateSourceTests {
    @Test("URL-encoded PEM (nginx) and base64 DER, standard or URL-safe, give the same certificate")
    func forms() throws {
        let certificate = try TestCertificate.selfSigned(commonName: "branch")
        let der = try certificate.der
        let pem = try certificate.pem
        let standard = Data(der).base64EncodedString()
        let forms = [
            pem.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!, standard,
            standard.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: ""),
        ]
        for form in forms {
            #expect(ClientCertificateSource.parse(form)?.der == der, "\(form.prefix(20))")
        }
    }

    @Test("anything that is not a certificate, or a header over 16 KiB, is no certificate")
    func refusals() throws {
        let der = try TestCertificate.selfSigned(commonName: "branch").der
        for value in ["", "garbage", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", Data(der.prefix(100)).base64EncodedString(),
            String(repeating: "A", count: 16 * 1024 + 4)]
        {
            #expect(ClientCertificateSource.parse(value) == nil)
        }
    }

    @Test("one header value holding two certificates (two PEM blocks, or a comma-separated list) is several")
    func severalInOneValue() throws {
        let first = try TestCertificate.selfSigned(commonName: "branch")
        let second = try TestCertificate.selfSigned(commonName: "kiosk")
        let pem = try first.pem.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        #expect(!ClientCertificateSource.holdsSeveral(pem))
        #expect(!ClientCertificateSource.holdsSeveral(Data(try first.der).base64EncodedString()))
        #expect(ClientCertificateSource.holdsSeveral(try (first.pem + second.pem).addingPercentEncoding(withAllowedCharacters: .alphanumerics)!))
        #expect(ClientCertificateSource.holdsSeveral(Data(try first.der).base64EncodedString() + ", " + Data(try second.der).base64EncodedString()))
    }
}
