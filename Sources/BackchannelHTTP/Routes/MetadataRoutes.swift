import BackchannelServer
import Hummingbird

/// Discovery and JWKS: documents the engine encoded once, served as they are.
struct MetadataRoutes {
    let engine: BackchannelEngine

    func register(on router: Router<some RequestContext>) {
        let discovery = engine.discoveryDocument
        let jwks = engine.keys.jwksDocument
        router.get(RouterPath(EndpointPaths.discovery)) { _, _ in JSONResponse.document(discovery) }
        router.get(RouterPath(EndpointPaths.jwks)) { _, _ in JSONResponse.document(jwks) }
    }
}
