import NIOCore
import NIOHTTPTypes

/// Closes a connection whose request body does not arrive in full within a deadline from its head.
///
/// The idle timeout closes a connection that sends nothing; a body that trickles in a byte at a time
/// never looks idle, and would hold the connection and its handler for as long as the sender likes.
/// Install it with Hummingbird's `HTTP1Channel.Configuration(additionalChannelHandlers:)`.
public final class RequestReadDeadline: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPRequestPart
    public typealias InboundOut = HTTPRequestPart

    private let timeout: TimeAmount
    private var timer: Scheduled<Void>?

    /// Creates the handler for one connection.
    /// - Parameter timeout: How long a request may take from its head to its last body byte.
    public init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            timer?.cancel()
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            timer = context.eventLoop.scheduleTask(in: timeout) { bound.value.close(promise: nil) }
        case .end:
            timer?.cancel()
            timer = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }
}
