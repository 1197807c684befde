/// Errors a handler throws for misuse by its host, as opposed to outcomes of authentication.
///
/// A struct with an extensible ``Code`` (as jwt-kit's `JWTError`): new kinds can be added without
/// breaking plugins that switch over the ones they know.
public struct BackchannelHandlerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of misuse.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The code's name.
        public let name: String
        /// ``BackchannelAuthenticationHandler/startAuthentication(_:)`` was called twice for one identity.
        public static let duplicateAuthReqId = Code(name: "duplicate_auth_req_id")

        public var description: String { name }
    }

    /// The kind.
    public let code: Code
    /// The request concerned.
    public let authReqId: AuthReqId

    /// ``BackchannelAuthenticationHandler/startAuthentication(_:)`` was called twice for `authReqId`.
    public static func duplicateAuthReqId(_ authReqId: AuthReqId) -> BackchannelHandlerError {
        BackchannelHandlerError(code: .duplicateAuthReqId, authReqId: authReqId)
    }

    public var description: String { "\(code) (\(authReqId))" }
}
