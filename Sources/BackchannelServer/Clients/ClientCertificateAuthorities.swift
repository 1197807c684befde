import Foundation
// Validity is judged at the engine's clock (a virtual one in tests), not the machine's.
@_spi(FixedExpiryValidationTime) import X509

/// The certificate authorities whose certificates `tls_client_auth` accepts (RFC 8705 §2.1: the PKI
/// method): a client certificate authenticates only if it chains to one of them and is valid now.
struct ClientCertificateAuthorities: Sendable {
    private let roots: [Certificate]

    var isEmpty: Bool { roots.isEmpty }

    /// - Parameter der: The authorities' certificates, DER-encoded.
    init(der: [[UInt8]]) throws {
        roots = try der.map { try Certificate(derEncoded: $0) }
    }

    /// Whether `certificate` is issued by one of the authorities (directly, or through the others given)
    /// and within its validity at `now`.
    func trust(_ certificate: ClientCertificate, at now: Date) async -> Bool {
        guard !roots.isEmpty else { return false }
        var verifier = Verifier(rootCertificates: CertificateStore(roots)) { RFC5280Policy(fixedExpiryValidationTime: now) }
        switch await verifier.validate(leaf: certificate.certificate, intermediates: CertificateStore()) {
        case .validCertificate: return true
        case .couldNotValidate: return false
        }
    }
}
