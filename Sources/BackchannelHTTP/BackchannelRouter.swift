import BackchannelCore
import BackchannelServer
import Hummingbird

/// Builds the Hummingbird router of a Backchannel server: the OAuth endpoints, UserInfo, discovery, the
/// JWKS and every authenticator's front-channel pages.
public enum BackchannelRouter {
    /// Makes the router.
    /// - Parameters:
    ///   - engine: The protocol engine.
    ///   - maxBodySize: The largest form body accepted, in bytes; larger ones get 413.
    ///   - context: The request context type.
    public static func make<Context: RequestContext>(
        engine: BackchannelEngine,
        maxBodySize: Int = 64 * 1024,
        context: Context.Type = BasicRequestContext.self
    ) -> Router<Context> {
        let router = Router(context: Context.self)
        OAuthRoutes(engine: engine, maxBodySize: maxBodySize).register(on: router)
        MetadataRoutes(engine: engine).register(on: router)
        UserinfoRoutes(engine: engine, maxBodySize: maxBodySize).register(on: router)
        var interactions: [String: any FrontChannelInteraction] = [:]
        for instance in engine.authenticatorInstances {
            if let interaction = instance.interaction { interactions[instance.name] = interaction }
        }
        FrontChannelRoutes(interactions: interactions, maxBodySize: maxBodySize).register(on: router)
        return router
    }
}
