/// Errors a handler throws for misuse by its host, as opposed to outcomes of authentication.
public enum BackchannelHandlerError: Error, Sendable, Hashable {
    /// ``BackchannelAuthenticationHandler/startAuthentication(authReqId:request:)`` was called twice
    /// for one identity.
    case duplicateAuthReqId(AuthReqId)
    /// The `authReqId` argument differs from the request's own.
    case mismatchedAuthReqId
}
