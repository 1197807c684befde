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

    public var description: String {
        switch self {
        case .connection(let reason): "connection failed: \(reason)"
        case .timeout: "the SMTP server did not answer in time"
        case .rejected(let command, let code, let text): "\(command) was refused: \(code) \(text)"
        case .startTLSUnavailable: "the server does not offer STARTTLS"
        }
    }
}
