/// Why a message was not handed to the SMTP server.
public enum SMTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The connection failed or closed.
    case connection(String)
    /// The server did not answer in time.
    case timeout
    /// The server answered a command with an unexpected code.
    case rejected(command: String, code: Int, text: String)
    /// STARTTLS was required but the server does not offer it.
    case startTLSUnavailable

    /// Whether another attempt later may succeed: the relay was unreachable, slow, or answered with a
    /// temporary (4xx) code. A 5xx answer or a missing STARTTLS will not change by waiting.
    public var isTransient: Bool {
        switch self {
        case .connection, .timeout: true
        case .rejected(_, let code, _): (400..<500).contains(code)
        case .startTLSUnavailable: false
        }
    }

    public var description: String {
        switch self {
        case .connection(let reason): "connection failed: \(reason)"
        case .timeout: "the SMTP server did not answer in time"
        case .rejected(let command, let code, let text): "\(command) was refused: \(code) \(text)"
        case .startTLSUnavailable: "the server does not offer STARTTLS"
        }
    }
}
