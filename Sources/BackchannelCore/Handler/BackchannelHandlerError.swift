/// Errors a handler throws for misuse by its host, as opposed to outcomes of authentication.
public enum BackchannelHandlerError: Error, Sendable, Hashable {
    /// ``BackchannelAuthenticationHandler/startAuthentication(_:)`` was called twice
    /// for one identity.
    case duplicateAuthReqId(AuthReqId)
}
