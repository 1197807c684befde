extension BackchannelEngine {
    /// Handles a request to the authorization endpoint, which discovery lists because strict client
    /// libraries require it. This provider authenticates through the backchannel only and no client
    /// registers a redirect URI, so every request is refused without a redirect (RFC 6749 §4.1.2.1):
    /// `unsupported_response_type` for a response type other than `none`, `invalid_request` otherwise.
    /// - Parameter responseType: The `response_type` parameter, if any.
    public func authorizationRequest(responseType: String?) -> OAuthError {
        guard responseType == "none" else {
            return .unsupportedResponseType("this provider authenticates through the backchannel only (CIBA)")
        }
        return .invalidRequest("no redirect URI is registered for any client of this provider; it authenticates through the backchannel only (CIBA)")
    }
}
