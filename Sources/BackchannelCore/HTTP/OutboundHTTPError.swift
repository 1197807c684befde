/// Why an outbound HTTP call got no answer, as a fixed reason code for the operator's log.
///
/// A struct with an extensible ``Code`` (as jwt-kit's `JWTError`): new kinds can be added without breaking
/// plugins that look at the ones they know.
public struct OutboundHTTPError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The reason code, such as `connection_refused`.
        public let name: String

        /// A code named `name`.
        public init(name: String) {
            self.name = name
        }

        /// The URL is not absolute, or its scheme is neither `https` nor `http` to a loopback address; or a
        /// trust file holds no certificate.
        public static let invalidRequest = Code(name: "invalid_request")
        /// Nothing listens at the address (the connection was refused).
        public static let connectionRefused = Code(name: "connection_refused")
        /// The host name did not resolve.
        public static let nameResolution = Code(name: "name_resolution")
        /// The connection failed otherwise (unreachable, reset).
        public static let connectionFailed = Code(name: "connection_failed")
        /// The call's deadline passed.
        public static let timeout = Code(name: "timeout")
        /// The server's certificate was not trusted, had expired or did not name the host.
        public static let untrustedCertificate = Code(name: "untrusted_certificate")
        /// The answer's body was larger than the caller allowed.
        public static let responseTooLarge = Code(name: "response_too_large")
        /// The call was cancelled (the host is shutting down).
        public static let cancelled = Code(name: "cancelled")

        public var description: String { name }
    }

    /// The kind.
    public let code: Code

    /// An error of kind `code`.
    public init(code: Code) {
        self.code = code
    }

    public var description: String { code.name }
}
