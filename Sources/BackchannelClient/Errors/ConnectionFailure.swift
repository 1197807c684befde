import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL

/// Why the provider could not be reached: a refused connection, a timeout, or a server certificate this client
/// does not accept, each a kind of its own so a program (or a person) can act on it.
public struct ConnectionFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: String, Sendable, Hashable {
        /// Nothing listens at the address (connection refused).
        case refused
        /// The provider did not answer in time (connecting, or answering).
        case timeout
        /// The provider's certificate does not chain to a trusted authority (give its CA: `trustRootsPEM`,
        /// `--ca-file`), or is self-signed.
        case untrustedCertificate
        /// The provider's certificate has expired, or is not valid yet.
        case expiredCertificate
        /// The provider's certificate is valid but for another name than the URL's host.
        case hostnameMismatch
        /// The connection was closed or reset before an answer.
        case closed
        /// Anything else (a name that does not resolve, a network that is down, a TLS failure of another kind).
        case other
    }

    /// What went wrong.
    public var kind: Kind
    /// The URL that could not be reached.
    public var url: String
    /// A sentence for a person: what happened, naming the URL, no driver type names.
    public var description: String

    /// Creates a failure.
    public init(kind: Kind, url: String, description: String) {
        self.kind = kind
        self.url = url
        self.description = description
    }

    /// The failure `error` stands for, when reaching `url`; a refused certificate is read again to tell an expired
    /// one from an untrusted one.
    static func classify(_ error: any Error, url: String) async -> ConnectionFailure {
        let failure = classifySync(error, url: url)
        guard failure.kind == .untrustedCertificate, await CertificateProbe.isOutOfValidity(url) == true else { return failure }
        return ConnectionFailure(kind: .expiredCertificate, url: url, description: "the certificate of \(url) has expired (or is not valid yet)")
    }

    private static func classifySync(_ error: any Error, url: String) -> ConnectionFailure {
        func failure(_ kind: Kind, _ text: String) -> ConnectionFailure { ConnectionFailure(kind: kind, url: url, description: text) }
        if let client = error as? HTTPClientError {
            switch client {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout: return failure(.timeout, "\(url) did not answer in time")
            case .remoteConnectionClosed: return failure(.closed, "\(url) closed the connection without answering")
            default: break
            }
        }
        if let io = error as? IOError {
            switch io.errnoCode {
            case ECONNREFUSED: return failure(.refused, "nothing is listening at \(url) (connection refused)")
            case ECONNRESET: return failure(.closed, "\(url) reset the connection")
            default: return failure(.other, "\(url) could not be reached (\(String(cString: strerror(io.errnoCode))))")
            }
        }
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return failure(.hostnameMismatch, "the certificate of \(url) is for another name than its host")
        }
        let text = "\(error)"
        if error is NIOSSLError || text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("handshakeFailed") {
            if text.contains("CERTIFICATE_VERIFY_FAILED") {
                return failure(.untrustedCertificate, "the certificate of \(url) is not trusted: it does not chain to a trusted authority (pass its CA)")
            }
            return failure(.other, "the TLS handshake with \(url) failed")
        }
        if text.contains("connectTimeout") || text.contains("deadlineExceeded") { return failure(.timeout, "\(url) did not answer in time") }
        if text.contains("refused") { return failure(.refused, "nothing is listening at \(url) (connection refused)") }
        return failure(.other, "\(url) could not be reached")
    }
}
