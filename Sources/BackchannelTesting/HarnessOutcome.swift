import BackchannelCore

/// How a request driven by ``BackchannelHandlerHarness`` ended.
public enum HarnessOutcome: Sendable, Hashable {
    /// The handler reported this result before the request expired.
    case concluded(BackchannelAuthenticationResult)
    /// The request reached its expiry unconcluded; the harness cancelled it, as a host would.
    case expired
}
