import HTTPTypes
import Hummingbird

/// What a known path answers to a method it does not serve: 405 with `Allow` (RFC 9110 §15.5.6), not
/// the empty 404 of an unknown path; and `HEAD` wherever `GET` is served (RFC 9110 §9.3.2).
enum MethodRoutes {
    /// The methods a client may try that the routes do not otherwise serve.
    private static let probed: [HTTPRequest.Method] = [.get, .head, .post, .put, .delete, .patch, .options]

    /// Answers every method but `allowed` (and `HEAD`, when `GET` is allowed) with 405 on `path`.
    static func refuseOthers(on router: Router<some RequestContext>, path: String, allowed: [HTTPRequest.Method]) {
        var allow = allowed
        if allowed.contains(.get) { allow.insert(.head, at: allowed.firstIndex(of: .get)! + 1) }
        let allowHeader = allow.map(\.rawValue).joined(separator: ", ")
        for method in probed where !allow.contains(method) {
            router.on(RouterPath(path), method: method) { _, _ in
                var headers: HTTPFields = [.allow: allowHeader, .contentType: "text/plain; charset=utf-8"]
                headers[.init("X-Content-Type-Options")!] = "nosniff"
                return Response(status: .methodNotAllowed, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: "Method not allowed.")))
            }
        }
    }

    /// The answer to `HEAD`: the `GET` answer's status and headers, without its body.
    static func head(of response: Response) -> Response {
        Response(status: response.status, headers: response.headers, body: ResponseBody())
    }
}
