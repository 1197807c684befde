import Foundation

/// An e-mail with a plain-text and an HTML part (multipart/alternative), UTF-8, base64-encoded parts.
public struct MailMessage: Sendable, Hashable {
    /// A mailbox: an address and an optional display name.
    public struct Mailbox: Sendable, Hashable {
        /// The address.
        public var address: String
        /// The display name.
        public var name: String?

        /// Creates a mailbox.
        public init(address: String, name: String? = nil) {
            self.address = address
            self.name = name
        }
    }

    /// `From`.
    public var from: Mailbox
    /// `To`.
    public var to: Mailbox
    /// `Subject`.
    public var subject: String
    /// The plain-text part.
    public var text: String
    /// The HTML part.
    public var html: String
    /// `Message-ID`, without the angle brackets.
    public var messageId: String
    /// `Date`.
    public var date: Date
    /// The MIME boundary between the parts; derived from the `Message-ID` when not given.
    public var boundary: String?

    /// Creates a message.
    public init(from: Mailbox, to: Mailbox, subject: String, text: String, html: String, messageId: String, date: Date, boundary: String? = nil) {
        self.boundary = boundary
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.messageId = messageId
        self.date = date
    }

    /// The message as RFC 5322 text with CRLF line ends.
    func rendered() -> String {
        let boundary = self.boundary ?? "=_backchannel_" + messageId.filter { $0.isLetter || $0.isNumber }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        var lines = [
            "From: \(Self.header(from))",
            "To: \(Self.header(to))",
            "Subject: \(Self.encodedWord(subject))",
            "Date: \(formatter.string(from: date))",
            "Message-ID: <\(messageId)>",
            "MIME-Version: 1.0",
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
            "",
        ]
        for (type, body) in [("text/plain", text), ("text/html", html)] {
            lines += ["--\(boundary)", "Content-Type: \(type); charset=utf-8", "Content-Transfer-Encoding: base64", ""]
            lines += Self.wrapped(Data(body.utf8).base64EncodedString())
        }
        lines += ["--\(boundary)--", ""]
        return lines.joined(separator: "\r\n")
    }

    private static func header(_ mailbox: Mailbox) -> String {
        guard let name = mailbox.name, !name.isEmpty else { return "<\(mailbox.address)>" }
        return "\(encodedWord(name)) <\(mailbox.address)>"
    }

    /// RFC 2047: non-ASCII or special text as a base64 encoded-word; header injection is impossible
    /// because a line break cannot survive base64.
    static func encodedWord(_ text: String) -> String {
        let safe = text.allSatisfy { $0.isASCII && !$0.isNewline && $0 != "=" && $0 != "?" && ($0.isLetter || $0.isNumber || " -.,:!'()".contains($0)) }
        return safe ? text : "=?UTF-8?B?\(Data(text.utf8).base64EncodedString())?="
    }

    private static func wrapped(_ text: String) -> [String] {
        var lines: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            lines.append(String(rest.prefix(76)))
            rest = rest.dropFirst(76)
        }
        return lines
    }
}
