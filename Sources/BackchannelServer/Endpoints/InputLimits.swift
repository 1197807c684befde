/// Fixed bounds on what one request may carry, far above any legitimate request and low enough that a
/// hostile one costs little. Every bound is checked before the work it protects.
enum InputLimits {
    /// Form parameters in one request to the backchannel authentication endpoint.
    static let maxParameters = 64
    /// Distinct scope values in one request.
    static let maxScopes = 32
    /// Free-form parameters passed on to an authenticator.
    static let maxContextParameters = 16
    /// The UTF-8 bytes of those parameters' names and values together.
    static let maxContextBytes = 8 * 1024
    /// The `claims` parameter's size in bytes: every standard claim, each with a request object, fits.
    static let maxClaimsBytes = 4 * 1024
}
