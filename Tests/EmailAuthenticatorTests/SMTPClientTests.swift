import EmailAuthenticator
import Foundation
import Testing

@Suite("SMTP client against a real SMTP server", .serialized, .timeLimit(.minutes(1)),
    .enabled(if: SMTPTestServer.isAvailable, "skipped: python3 with aiosmtpd is not installed; .ci/run installs it"))
struct SMTPClientTests {
    private func message(_ text: String = "Hello") -> MailMessage {
        MailMessage(
            from: .init(address: "login@example.com", name: "Backchannel"), to: .init(address: "alice@example.com"),
            subject: "Confirm sign-in: Ärger?", text: text, html: "<p>\(text)</p>", messageId: "m1@example.com", date: Date())
    }

    private func decodedParts(_ raw: String) -> [String] {
        raw.components(separatedBy: "Content-Transfer-Encoding: base64\r\n\r\n").dropFirst().compactMap { part in
            let base64 = part.components(separatedBy: "\r\n--").first?.replacingOccurrences(of: "\r\n", with: "") ?? ""
            return Data(base64Encoded: base64).flatMap { String(data: $0, encoding: .utf8) }
        }
    }

    @Test("STARTTLS with AUTH delivers the message, both parts intact")
    func starttls() async throws {
        let server = try await SMTPTestServer.start(mode: .starttls, auth: ("mailer", "s3cret"))
        defer { server.stop() }
        let client = SMTPClient(configuration: SMTPConfiguration(
            host: "localhost", port: server.port, security: .starttls, username: "mailer", password: "s3cret", caFile: server.certificate.path))
        try await client.send(message(".leading dot line"))
        await server.waitForMessages(1)
        let raw = try #require(server.messages().first)
        #expect(raw.contains("X-Envelope-To: alice@example.com"))
        #expect(raw.contains("Subject: =?UTF-8?B?"))
        #expect(decodedParts(raw) == [".leading dot line", "<p>.leading dot line</p>"])
    }

    @Test("implicit TLS delivers")
    func implicitTLS() async throws {
        let server = try await SMTPTestServer.start(mode: .tls)
        defer { server.stop() }
        try await SMTPClient(configuration: SMTPConfiguration(host: "localhost", port: server.port, security: .tls, caFile: server.certificate.path))
            .send(message())
        await server.waitForMessages(1)
        #expect(server.messages().count == 1)
    }

    @Test("a wrong password is refused with the server's code")
    func wrongPassword() async throws {
        let server = try await SMTPTestServer.start(mode: .starttls, auth: ("mailer", "s3cret"))
        defer { server.stop() }
        let client = SMTPClient(configuration: SMTPConfiguration(
            host: "localhost", port: server.port, security: .starttls, username: "mailer", password: "guess", caFile: server.certificate.path,
            timeoutSeconds: 3))
        await #expect(throws: SMTPError.rejected(command: "AUTH PLAIN", code: 535, text: "5.7.8 Authentication credentials invalid")) {
            try await client.send(message())
        }
        #expect(server.messages().isEmpty)
    }

    @Test("STARTTLS is required when configured: a server without it is refused, nothing is sent in clear")
    func starttlsRequired() async throws {
        let server = try await SMTPTestServer.start(mode: .plain)
        defer { server.stop() }
        let client = SMTPClient(configuration: SMTPConfiguration(host: "127.0.0.1", port: server.port, security: .starttls))
        await #expect(throws: SMTPError.startTLSUnavailable) { try await client.send(message()) }
        #expect(server.messages().isEmpty)
    }

    @Test("an untrusted certificate is refused")
    func untrusted() async throws {
        let server = try await SMTPTestServer.start(mode: .tls)
        defer { server.stop() }
        let client = SMTPClient(configuration: SMTPConfiguration(host: "localhost", port: server.port, security: .tls))
        await #expect(throws: SMTPError.self) { try await client.send(message()) }
    }
}
