import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOExtras
import NIOPosix
import NIOSSL

/// A small SMTP client on SwiftNIO: plain, STARTTLS or implicit TLS, AUTH PLAIN or LOGIN, timeouts.
/// One connection per message: authentication mails are few and must not wait on a shared session.
public struct SMTPClient: Sendable {
    /// The server and credentials.
    public let configuration: SMTPConfiguration

    /// Creates a client.
    public init(configuration: SMTPConfiguration) {
        self.configuration = configuration
    }

    /// Delivers one message to its recipient.
    public func send(_ message: MailMessage) async throws(SMTPError) {
        do {
            try await deliver(message)
        } catch let error as SMTPError {
            throw error
        } catch {
            throw .connection("\(error)")
        }
    }

    /// Checks that the server accepts a connection and greets (220) within `timeoutSeconds`, then quits:
    /// what the authenticator's readiness reports, without sending anything.
    public func probe(timeoutSeconds: Int) async throws(SMTPError) {
        do {
            let (channel, session) = try await open(timeoutSeconds: timeoutSeconds)
            defer { channel.close(promise: nil) }
            var quitting = session
            _ = try? await quitting.command("QUIT", expect: 221)
        } catch let error as SMTPError {
            throw error
        } catch {
            throw .connection("\(error)")
        }
    }

    /// A connection past the server's greeting.
    private func open(timeoutSeconds: Int) async throws -> (any Channel, Session) {
        let replies = AsyncStream<SMTPReply>.makeStream()
        let tlsContext = try makeTLSContext()
        let configuration = configuration
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(Int64(timeoutSeconds)))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if configuration.security == .tls {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tlsContext, serverHostname: Self.sniName(configuration.host)))
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineBasedFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(SMTPReplyHandler(continuation: replies.continuation))
                }
            }
            .connect(host: configuration.host, port: configuration.port)
            .get()
        var session = Session(channel: channel, replies: replies.stream.makeAsyncIterator(), timeout: timeoutSeconds)
        do {
            try await session.expect(220, after: nil)
        } catch {
            channel.close(promise: nil)
            throw error
        }
        return (channel, session)
    }

    private func deliver(_ message: MailMessage) async throws {
        let tlsContext = try makeTLSContext()
        var (channel, session) = try await open(timeoutSeconds: configuration.timeoutSeconds)
        defer { channel.close(promise: nil) }

        var extensions = try await session.command("EHLO backchannel", expect: 250)
        if configuration.security == .starttls {
            guard extensions.contains(where: { $0.uppercased().hasPrefix("STARTTLS") }) else { throw SMTPError.startTLSUnavailable }
            _ = try await session.command("STARTTLS", expect: 220)
            let serverHostname = Self.sniName(configuration.host)
            // The handler is not Sendable: made and added on the channel's event loop.
            try await channel.eventLoop.submit {
                let handler = try NIOSSLClientHandler(context: tlsContext, serverHostname: serverHostname)
                try channel.pipeline.syncOperations.addHandler(handler, position: .first)
            }.get()
            extensions = try await session.command("EHLO backchannel", expect: 250)
        }
        if let username = configuration.username, let password = configuration.password {
            let mechanisms = extensions.first { $0.uppercased().hasPrefix("AUTH") }?.uppercased().split(separator: " ") ?? []
            if mechanisms.contains("PLAIN") {
                let credentials = Data("\0\(username)\0\(password)".utf8).base64EncodedString()
                _ = try await session.command("AUTH PLAIN \(credentials)", expect: 235, redacted: "AUTH PLAIN")
            } else {
                _ = try await session.command("AUTH LOGIN", expect: 334)
                _ = try await session.command(Data(username.utf8).base64EncodedString(), expect: 334, redacted: "AUTH LOGIN username")
                _ = try await session.command(Data(password.utf8).base64EncodedString(), expect: 235, redacted: "AUTH LOGIN password")
            }
        }
        _ = try await session.command("MAIL FROM:<\(message.from.address)>", expect: 250)
        _ = try await session.command("RCPT TO:<\(message.to.address)>", expect: [250, 251])
        _ = try await session.command("DATA", expect: 354)
        // Dot-stuffing: a line that starts with "." gets one more.
        let body = message.rendered().split(separator: "\r\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(".") ? "." + $0 : String($0) }.joined(separator: "\r\n")
        _ = try await session.command(body + "\r\n.", expect: 250, redacted: "message data")
        _ = try? await session.command("QUIT", expect: 221)
    }

    private func makeTLSContext() throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile = configuration.caFile { tls.trustRoots = .file(caFile) }
        return try NIOSSLContext(configuration: tls)
    }

    /// SNI takes host names only, not IP addresses.
    private static func sniName(_ host: String) -> String? {
        host.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" } ? nil : host
    }

    private struct Session {
        let channel: any Channel
        var replies: AsyncStream<SMTPReply>.AsyncIterator
        let timeout: Int

        mutating func command(_ line: String, expect code: Int, redacted: String? = nil) async throws -> [String] {
            try await command(line, expect: [code], redacted: redacted)
        }

        mutating func command(_ line: String, expect codes: Set<Int>, redacted: String? = nil) async throws -> [String] {
            try await channel.writeAndFlush(ByteBuffer(string: line + "\r\n"))
            return try await expect(codes, after: redacted ?? line)
        }

        mutating func expect(_ code: Int, after command: String?) async throws {
            _ = try await expect([code], after: command)
        }

        mutating func expect(_ codes: Set<Int>, after command: String?) async throws -> [String] {
            let reply = try await next()
            guard codes.contains(reply.code) else {
                throw SMTPError.rejected(command: command ?? "greeting", code: reply.code, text: reply.lines.last ?? "")
            }
            return reply.lines
        }

        /// The next reply; if none comes in time the connection is closed, which ends the wait.
        private mutating func next() async throws -> SMTPReply {
            let timedOut = NIOLockedValueBox(false)
            let channel = channel
            let timer = channel.eventLoop.scheduleTask(in: .seconds(Int64(timeout))) {
                timedOut.withLockedValue { $0 = true }
                channel.close(promise: nil)
            }
            let reply = await replies.next()
            timer.cancel()
            guard let reply else {
                throw timedOut.withLockedValue { $0 } ? SMTPError.timeout : SMTPError.connection("the server closed the connection")
            }
            return reply
        }
    }
}

/// One SMTP reply: its code and its text lines.
struct SMTPReply: Sendable {
    var code: Int
    var lines: [String]
}

/// Collects reply lines ("250-…" continues, "250 …" ends a reply) and hands whole replies on.
final class SMTPReplyHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    private let continuation: AsyncStream<SMTPReply>.Continuation
    private let pending = NIOLockedValueBox<[String]>([])

    init(continuation: AsyncStream<SMTPReply>.Continuation) {
        self.continuation = continuation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = String(buffer: unwrapInboundIn(data)).trimmingCharacters(in: .whitespacesAndNewlines)
        guard line.count >= 3, let code = Int(line.prefix(3)) else {
            continuation.yield(SMTPReply(code: 0, lines: [line]))
            return
        }
        let text = line.count > 4 ? String(line.dropFirst(4)) : ""
        let done = line.count == 3 || line[line.index(line.startIndex, offsetBy: 3)] == " "
        let lines = pending.withLockedValue { pending -> [String]? in
            pending.append(text)
            guard done else { return nil }
            defer { pending = [] }
            return pending
        }
        if let lines { continuation.yield(SMTPReply(code: code, lines: lines)) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        continuation.finish()
        context.close(promise: nil)
    }
}
