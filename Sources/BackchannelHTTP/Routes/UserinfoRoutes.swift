import BackchannelServer
import Foundation
import HTTPTypes
import Hummingbird

/// The UserInfo endpoint (GET or POST, OpenID Connect Core §5.3) and the authorization endpoint that
/// discovery lists: each hands what it read to the engine and writes out its answer.
struct UserinfoRoutes {
    let engines: EngineHandle
    /// The engine of this request: taken once per request, so a reload never splits one.
    private var engine: BackchannelEngine { engines.current }
    let maxBodySize: Int
    let certificates: ClientCertificateSource

    func register(on router: Router<some RequestContext>) {
        MethodRoutes.refuseOthers(on: router, path: EndpointPaths.userinfo, allowed: [.get, .post])
        MethodRoutes.refuseOthers(on: router, path: EndpointPaths.authorization, allowed: [.get, .post])
        router.get(RouterPath(EndpointPaths.userinfo)) { request, context in
            await userinfo(request, context: context, formToken: nil)
        }
        router.head(RouterPath(EndpointPaths.userinfo)) { request, context in
            MethodRoutes.head(of: await userinfo(request, context: context, formToken: nil))
        }
        router.post(RouterPath(EndpointPaths.userinfo)) { request, context in
            // A form body may carry the token (RFC 6750 §2.2); any other body is ignored.
            var formToken: String?
            if let contentType = request.headers[.contentType], FormBody.isFormMediaType(contentType) {
                guard let pairs = try? await FormBody.pairs(of: request, limit: maxBodySize) else {
                    return bearerError(.invalidRequest("the body is not a valid form"))
                }
                let tokens = pairs.filter { $0.name == "access_token" }
                guard tokens.count <= 1 else { return bearerError(.invalidRequest("the access token must be sent one way only")) }
                formToken = tokens.first?.value
            }
            return await userinfo(request, context: context, formToken: formToken)
        }
        router.get(RouterPath(EndpointPaths.authorization)) { request, _ in
            JSONResponse.error(engine.authorizationRequest(responseType: request.uri.queryParameters.get("response_type")))
        }
        router.head(RouterPath(EndpointPaths.authorization)) { request, _ in
            MethodRoutes.head(of: JSONResponse.error(engine.authorizationRequest(responseType: request.uri.queryParameters.get("response_type"))))
        }
        router.post(RouterPath(EndpointPaths.authorization)) { request, _ in
            let pairs = (try? await FormBody.pairs(of: request, limit: maxBodySize)) ?? []
            return JSONResponse.error(engine.authorizationRequest(responseType: pairs.first { $0.name == "response_type" }?.value))
        }
    }

    private func userinfo(_ request: Request, context: some RequestContext, formToken: String?) async -> Response {
        let certificate: ClientCertificate?
        do {
            certificate = try await certificates.certificate(of: request, context: context)
        } catch {
            context.logger.info("request refused", metadata: ["reason": "\(ClientCertificateSource.AmbiguousCertificate.reason)"])
            return bearerError(.invalidRequest("more than one client certificate was forwarded"))
        }
        switch await engine.userinfoRequest(authorization: request.headers[.authorization], formToken: formToken, clientCertificate: certificate) {
        case .success(let claims): return JSONResponse.ok(claims)
        case .failure(let error): return bearerError(error)
        }
    }

    private func bearerError(_ error: BearerTokenError) -> Response {
        var response = error.body.map(JSONResponse.ok) ?? JSONResponse.ok([String: String]())
        response.status = HTTPResponse.Status(code: error.httpStatus)
        response.headers[.wwwAuthenticate] = error.challenge
        return response
    }
}
