import BackchannelServer
import Hummingbird

/// The backchannel authentication and token endpoints: they read the form and the `Authorization`
/// header, hand them to the engine, and write out its answer. No CIBA rule lives here.
struct OAuthRoutes {
    let engines: EngineHandle
    /// The engine of this request: taken once per request, so a reload never splits one.
    private var engine: BackchannelEngine { engines.current }
    let maxBodySize: Int
    let certificates: ClientCertificateSource

    func register(on router: Router<some RequestContext>) {
        MethodRoutes.refuseOthers(on: router, path: EndpointPaths.backchannelAuthentication, allowed: [.post])
        MethodRoutes.refuseOthers(on: router, path: EndpointPaths.token, allowed: [.post])
        MethodRoutes.refuseOthers(on: router, path: EndpointPaths.revocation, allowed: [.post])
        MethodRoutes.refuseOthers(on: router, path: EndpointPaths.introspection, allowed: [.post])
        router.post(RouterPath(EndpointPaths.backchannelAuthentication)) { request, context in
            await respond(to: request, context: context) { parameters, authorization, certificate in
                switch await engine.authenticationRequest(parameters, authorization: authorization, clientCertificate: certificate) {
                case .success(let acknowledgement): JSONResponse.ok(acknowledgement)
                case .failure(let error): JSONResponse.error(error)
                }
            }
        }
        router.post(RouterPath(EndpointPaths.token)) { request, context in
            await respond(to: request, context: context) { parameters, authorization, certificate in
                switch await engine.tokenRequest(parameters, authorization: authorization, clientCertificate: certificate) {
                case .success(let tokens): JSONResponse.ok(tokens)
                case .failure(let error): JSONResponse.error(error)
                }
            }
        }
        router.post(RouterPath(EndpointPaths.revocation)) { request, context in
            await respond(to: request, context: context) { parameters, authorization, certificate in
                switch await engine.revocationRequest(parameters, authorization: authorization, clientCertificate: certificate) {
                case .success: JSONResponse.ok([String: String]())  // RFC 7009 §2.2: 200, the body ignored
                case .failure(let error): JSONResponse.error(error)
                }
            }
        }
        router.post(RouterPath(EndpointPaths.introspection)) { request, context in
            await respond(to: request, context: context) { parameters, authorization, certificate in
                switch await engine.introspectionRequest(parameters, authorization: authorization, clientCertificate: certificate) {
                case .success(let answer): JSONResponse.ok(answer)
                case .failure(let error): JSONResponse.error(error)
                }
            }
        }
    }

    private func respond(
        to request: Request,
        context: some RequestContext,
        _ handle: (OAuthParameters, String?, ClientCertificate?) async -> Response
    ) async -> Response {
        let pairs: [(name: String, value: String)]
        do {
            pairs = try await FormBody.pairs(of: request, limit: maxBodySize)
        } catch .unsupportedMediaType {
            return JSONResponse.error(.invalidRequest("the body must be application/x-www-form-urlencoded"))
        } catch .tooLarge {
            var response = JSONResponse.error(.invalidRequest("the request body is too large"))
            response.status = .contentTooLarge
            return response
        } catch {
            return JSONResponse.error(.invalidRequest("the body is not valid form-urlencoded UTF-8"))
        }
        let certificate: ClientCertificate?
        do {
            certificate = try await certificates.certificate(of: request, context: context)
        } catch {
            context.logger.info("request refused", metadata: ["reason": "\(ClientCertificateSource.AmbiguousCertificate.reason)"])
            return JSONResponse.error(.invalidRequest("more than one client certificate was forwarded"))
        }
        return await handle(OAuthParameters(pairs), request.headers[.authorization], certificate)
    }
}
