import Hummingbird
import NIOCore

/// A request context that keeps the connection's channel, so the routes can read the client certificate of
/// a mutual-TLS connection and the address a proxy connects from.
public protocol ChannelRequestContext: RequestContext {
    /// The connection the request came on.
    var channel: any Channel { get }
}

/// The request context of a Backchannel server that may receive client certificates: Hummingbird's
/// basic context and the connection's channel.
public struct BackchannelRequestContext: ChannelRequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// The connection the request came on.
    public let channel: any Channel

    /// Creates the context of a request arriving on `source.channel`.
    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        channel = source.channel
    }
}
