import BackchannelCore
import BackchannelServer
import Hummingbird
import Tracing

/// Builds the Hummingbird router of a Backchannel server: the OAuth endpoints, UserInfo, discovery, the
/// JWKS and every authenticator's front-channel pages.
public enum BackchannelRouter {
    /// Makes the router of a server whose configuration never changes while it runs.
    /// - Parameters:
    ///   - engine: The protocol engine.
    ///   - maxBodySize: The largest form body accepted, in bytes; larger ones get 413.
    ///   - context: The request context type.
    ///   - clientCertificates: Where client certificates come from, for mutual TLS; with ``ClientCertificateSource/tls``
    ///     or a proxy header the context must be a ``ChannelRequestContext`` (``BackchannelRequestContext``).
    public static func make<Context: RequestContext>(
        engine: BackchannelEngine,
        maxBodySize: Int = 64 * 1024,
        context: Context.Type = BasicRequestContext.self,
        clientCertificates: ClientCertificateSource = .none
    ) -> Router<Context> {
        make(engines: EngineHandle(engine), maxBodySize: maxBodySize, context: context, clientCertificates: clientCertificates)
    }

    /// Makes the router of a server that can reload its configuration: each request is served by the
    /// engine `engines` holds when it arrives. The authenticators (and so the pages) are those of the
    /// engine held now; a reload keeps them.
    /// - Parameters:
    ///   - engines: The handle on the protocol engine.
    ///   - maxBodySize: The largest form body accepted, in bytes; larger ones get 413.
    ///   - context: The request context type.
    ///   - clientCertificates: Where client certificates come from, for mutual TLS.
    ///   - tracer: Where each request's server span goes (and the W3C `traceparent` it carried is honoured);
    ///     `nil`, the default, records none.
    ///   - sampling: The share of requests without a `traceparent` whose traces are recorded (0 to 1).
    public static func make<Context: RequestContext>(
        engines: EngineHandle,
        maxBodySize: Int = 64 * 1024,
        context: Context.Type = BasicRequestContext.self,
        clientCertificates: ClientCertificateSource = .none,
        tracer: (any Tracer)? = nil,
        sampling: Double = 1
    ) -> Router<Context> {
        let router = Router(context: Context.self)
        if let tracer { router.middlewares.add(TraceRequestsMiddleware(tracer: tracer, sampler: TraceSampler(ratio: sampling))) }
        OAuthRoutes(engines: engines, maxBodySize: maxBodySize, certificates: clientCertificates).register(on: router)
        MetadataRoutes(engines: engines).register(on: router)
        UserinfoRoutes(engines: engines, maxBodySize: maxBodySize, certificates: clientCertificates).register(on: router)
        var interactions: [String: any FrontChannelInteraction] = [:]
        for instance in engines.current.authenticatorInstances {
            if let interaction = instance.interaction { interactions[instance.name] = interaction }
        }
        FrontChannelRoutes(interactions: interactions, maxBodySize: maxBodySize).register(on: router)
        return router
    }
}
