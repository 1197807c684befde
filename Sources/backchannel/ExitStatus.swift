import ArgumentParser
import BackchannelClient

/// The exit codes, so scripts can tell outcomes apart.
enum ExitStatus {
    static let denied = ExitCode(2)
    static let expired = ExitCode(3)
    static let rejected = ExitCode(4)
    static let transport = ExitCode(5)
    static let invalidResponse = ExitCode(6)
    static let cancelled = ExitCode(130)

    static func code(for error: BackchannelClientError) -> ExitCode {
        switch error {
        case .oauth(.accessDenied, _, _): denied
        case .expired: expired
        case .oauth: rejected
        case .transport, .connection: transport
        case .invalidResponse: invalidResponse
        case .cancelled: cancelled
        }
    }

    static let help = """
        Exit status: 0 tokens received; 2 the user denied; 3 the request expired; 4 the provider refused the \
        request (invalid_request, unknown_user_id, invalid_client, …); 5 the provider could not be reached; \
        6 the provider's answer or ID token failed verification; 64 a usage error (a missing or malformed \
        option); 130 interrupted.
        """
}
