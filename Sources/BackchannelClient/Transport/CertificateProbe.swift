import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

/// Reads a server's certificate without judging it, after a handshake refused it: so that an expired (or not
/// yet valid) certificate can be named as such rather than as merely "not trusted". Only on that failure path,
/// never to decide trust.
enum CertificateProbe {
    /// Whether the certificate `url`'s server presents is outside its validity period now; `nil` when it cannot
    /// be read (the server is gone, or does not speak TLS).
    static func isOutOfValidity(_ url: String, now: Date = Date()) async -> Bool? {
        guard let components = URLComponents(string: url), components.scheme == "https", let host = components.host else { return nil }
        guard let certificate = await certificate(host: host, port: components.port ?? 443) else { return nil }
        let time = time_t(now.timeIntervalSince1970)
        return time > certificate.notValidAfter || time < certificate.notValidBefore
    }

    private static func certificate(host: String, port: Int) async -> NIOSSLCertificate? {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        guard let context = try? NIOSSLContext(configuration: tls) else { return nil }
        let group = MultiThreadedEventLoopGroup.singleton
        let handshake = group.next().makePromise(of: Void.self)
        do {
            let channel = try await ClientBootstrap(group: group)
                .connectTimeout(.seconds(5))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: nil))
                        try channel.pipeline.syncOperations.addHandler(HandshakeWaiter(promise: handshake))
                    }
                }
                .connect(host: host, port: port).get()
            defer { channel.close(promise: nil) }
            try await handshake.futureResult.get()
            return try await channel.nioSSL_peerCertificate().get()
        } catch {
            handshake.fail(error)
            return nil
        }
    }

    /// Completes its promise when the TLS handshake completes, fails it when the channel closes first.
    private final class HandshakeWaiter: ChannelInboundHandler, Sendable {
        typealias InboundIn = Any
        let promise: EventLoopPromise<Void>

        init(promise: EventLoopPromise<Void>) { self.promise = promise }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case .handshakeCompleted = event as? TLSUserEvent { promise.succeed(()) }
            context.fireUserInboundEventTriggered(event)
        }

        func channelInactive(context: ChannelHandlerContext) {
            promise.fail(ChannelError.ioOnClosedChannel)
            context.fireChannelInactive()
        }
    }
}
