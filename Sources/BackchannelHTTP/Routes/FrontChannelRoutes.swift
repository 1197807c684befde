import BackchannelCore
import BackchannelServer
import HTTPTypes
import Hummingbird

/// Serves each authenticator's front-channel interaction under `/authn/<name>/`, translating between
/// Hummingbird's requests and the framework-free ``BackchannelCore/FrontChannelRequest``; every answer
/// carries the page headers (``PageHeadersMiddleware``).
struct FrontChannelRoutes {
    let interactions: [String: any FrontChannelInteraction]
    let maxBodySize: Int

    func register(on router: Router<some RequestContext>) {
        let prefix = EndpointPaths.frontChannelPrefix
        for path in ["\(prefix)/:authenticator", "\(prefix)/:authenticator/**"] {
            MethodRoutes.refuseOthers(on: router, path: path, allowed: [.get, .post])
        }
        let pages = router.group(RouterPath(prefix)).add(middleware: PageHeadersMiddleware())
        for method in [HTTPRequest.Method.get, .head, .post] {
            pages.on(":authenticator", method: method) { request, context in
                // The router matches with or without a trailing slash; the pages' relative links need it.
                guard request.uri.path.hasSuffix("/") else {
                    guard let name = context.parameters.get("authenticator"), interactions[name] != nil else {
                        return Self.plain(.notFound, "Not found")
                    }
                    return Response(status: .seeOther, headers: [.location: "\(prefix)/\(name)/"])
                }
                return await answer(request, context: context, path: "")
            }
            pages.on(":authenticator/**", method: method) { request, context in
                await answer(request, context: context, path: context.parameters.getCatchAll().joined(separator: "/"))
            }
        }
    }

    /// `HEAD` is answered as `GET`, without the body.
    private func answer(_ request: Request, context: some RequestContext, path: String) async -> Response {
        let response = await handle(request, context: context, path: path)
        return request.method == .head ? MethodRoutes.head(of: response) : response
    }

    private func handle(_ request: Request, context: some RequestContext, path: String) async -> Response {
        guard let name = context.parameters.get("authenticator"), let interaction = interactions[name] else {
            return Self.plain(.notFound, "Not found")
        }
        var form: [(name: String, value: String)] = []
        if request.method == .post {
            do {
                form = try await FormBody.pairs(of: request, limit: maxBodySize)
            } catch .tooLarge {
                return Self.plain(.contentTooLarge, "The form is too large.")
            } catch {
                return Self.plain(.badRequest, "The form could not be read.")
            }
        }
        let query = request.uri.queryParameters.map { (name: String($0.key), value: String($0.value)) }
        guard let cookies = CookieHeader.cookies(request.headers[values: .cookie]) else {
            return Self.plain(.requestHeaderFieldsTooLarge, "Too many cookies.")
        }
        let answer = await interaction.respond(
            to: FrontChannelRequest(method: request.method == .post ? .post : .get, path: path, query: query, form: form, cookies: cookies)
        )
        var headers: HTTPFields = [.contentType: answer.contentType]
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        return Response(status: HTTPResponse.Status(code: answer.status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: answer.body)))
    }

    private static func plain(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
