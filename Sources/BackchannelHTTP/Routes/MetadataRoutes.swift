import BackchannelServer
import Foundation
import Hummingbird

/// Discovery and JWKS: documents the engine encoded once, served as they are (discovery from the current
/// engine: a reload can change the scopes and delivery modes it lists; the keys never change while running).
struct MetadataRoutes {
    let engines: EngineHandle

    func register(on router: Router<some RequestContext>) {
        let engines = self.engines
        let jwks = engines.current.keys.jwksDocument
        let documents: [(String, @Sendable () -> Data)] = [(EndpointPaths.discovery, { engines.current.discoveryDocument }), (EndpointPaths.jwks, { jwks })]
        for (path, document) in documents {
            router.get(RouterPath(path)) { _, _ in JSONResponse.document(document()) }
            router.head(RouterPath(path)) { _, _ in MethodRoutes.head(of: JSONResponse.document(document())) }
            MethodRoutes.refuseOthers(on: router, path: path, allowed: [.get])
        }
    }
}
