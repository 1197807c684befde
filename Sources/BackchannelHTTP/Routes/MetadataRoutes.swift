import BackchannelServer
import Hummingbird

/// Discovery and JWKS: documents the engine encoded once, served as they are.
struct MetadataRoutes {
    let engine: BackchannelEngine

    func register(on router: Router<some RequestContext>) {
        let discovery = engine.discoveryDocument
        let jwks = engine.keys.jwksDocument
        for (path, document) in [(EndpointPaths.discovery, discovery), (EndpointPaths.jwks, jwks)] {
            router.get(RouterPath(path)) { _, _ in JSONResponse.document(document) }
            router.head(RouterPath(path)) { _, _ in MethodRoutes.head(of: JSONResponse.document(document)) }
            MethodRoutes.refuseOthers(on: router, path: path, allowed: [.get])
        }
    }
}
