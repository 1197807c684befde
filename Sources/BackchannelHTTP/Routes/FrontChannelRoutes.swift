import BackchannelCore
import BackchannelServer
import HTTPTypes
import Hummingbird

/// Serves each authenticator's front-channel interaction, translating between Hummingbird's requests and
/// the framework-free ``BackchannelCore/FrontChannelRequest`` and ``BackchannelCore/MachineRequest``: pages
/// under `/authn/<name>/` (with the page headers, ``PageHeadersMiddleware``), machine routes under
/// `/authn/<name>/api/` (raw body, every header but `Cookie`, no cookies, `no-store` and `nosniff` only).
struct FrontChannelRoutes {
    let interactions: [String: any FrontChannelInteraction]
    let maxBodySize: Int

    func register(on router: Router<some RequestContext>) {
        let prefix = EndpointPaths.frontChannelPrefix
        for path in ["\(prefix)/:authenticator", "\(prefix)/:authenticator/**"] {
            MethodRoutes.refuseOthers(on: router, path: path, allowed: [.get, .post])
        }
        let machineMethods: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete]
        for path in ["\(prefix)/:authenticator/api", "\(prefix)/:authenticator/api/**"] {
            MethodRoutes.refuseOthers(on: router, path: path, allowed: machineMethods)
            for method in machineMethods + [.head] {
                router.on(RouterPath(path), method: method) { request, context in
                    let response = await machine(request, context: context)
                    return request.method == .head ? MethodRoutes.head(of: response) : response
                }
            }
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
        let response = await page(request, context: context, path: path)
        return request.method == .head ? MethodRoutes.head(of: response) : response
    }

    private func page(_ request: Request, context: some RequestContext, path: String) async -> Response {
        guard let name = context.parameters.get("authenticator"), let interaction = interactions[name] else {
            return Self.plain(.notFound, "Not found")
        }
        var form: [(name: String, value: String)] = []
        var body: [UInt8] = []
        if request.method == .post {
            do {
                (form, body) = try await FormBody.read(request, limit: maxBodySize)
            } catch .tooLarge {
                return Self.plain(.contentTooLarge, "The form is too large.")
            } catch {
                return Self.plain(.badRequest, "The form could not be read.")
            }
        }
        let query = request.uri.queryParameters.map { (name: String($0.key), value: String($0.value)) }
        // Cookies are parsed once, bounded in count; the header list handed on leaves them out.
        guard let cookies = CookieHeader.cookies(request.headers[values: .cookie]) else {
            return Self.plain(.requestHeaderFieldsTooLarge, "Too many cookies.")
        }
        let answer = await interaction.respond(
            to: FrontChannelRequest(
                method: request.method == .post ? .post : .get, path: path, query: query, form: form, cookies: cookies,
                headers: Self.fields(of: request), body: body))
        return Self.response(answer, extra: [:])
    }

    private func machine(_ request: Request, context: some RequestContext) async -> Response {
        guard let name = context.parameters.get("authenticator"), let interaction = interactions[name] else {
            return Self.response(.json(.object(["error": .string("not_found")]), status: 404), extra: Self.machineHeaders)
        }
        let body: [UInt8]
        do {
            body = try await FormBody.raw(request, limit: maxBodySize)
        } catch {
            return Self.response(.json(.object(["error": .string("request_too_large")]), status: 413), extra: Self.machineHeaders)
        }
        let path = context.parameters.getCatchAll().joined(separator: "/")
        let query = request.uri.queryParameters.map { (name: String($0.key), value: String($0.value)) }
        let method = request.method == .head ? "GET" : request.method.rawValue
        let answer = await interaction.respond(
            toMachine: MachineRequest(method: method, path: path, query: query, headers: Self.fields(of: request), body: body))
        return Self.response(answer, extra: Self.machineHeaders)
    }

    /// What a machine route's answer always carries: never cached, never sniffed.
    private static let machineHeaders: HTTPFields = [.cacheControl: "no-store", .init("X-Content-Type-Options")!: "nosniff"]

    /// The request's header fields but `Cookie`.
    private static func fields(of request: Request) -> HTTPHeaderFields {
        HTTPHeaderFields(request.headers.filter { $0.name != .cookie }.map { HTTPHeaderFields.Field(name: $0.name.rawName, value: $0.value) })
    }

    private static func response(_ answer: FrontChannelResponse, extra: HTTPFields) -> Response {
        var headers: HTTPFields = [.contentType: answer.contentType]
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        for field in extra where headers[field.name] == nil { headers.append(field) }
        return Response(status: HTTPResponse.Status(code: answer.status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: answer.body)))
    }

    private static func plain(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
