import BackchannelCore
import Crypto
import Foundation
import Hummingbird

/// Lets through only requests bearing the admin token (`Authorization: Bearer …`); answers the rest 401 with
/// a `WWW-Authenticate` challenge. A route that fails (the store did not answer) is answered 503 without
/// its details, which are in the server's log.
struct AdminTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: AdminToken

    init(token: String) {
        self.token = AdminToken(token)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.count > 7, header.prefix(7).lowercased() == "bearer ",
            token.matches(String(header.dropFirst(7)))
        else {
            var response = AdminResponse.error(.unauthorized, "invalid_token", "the admin API needs Authorization: Bearer <admin token>")
            response.headers[.wwwAuthenticate] = #"Bearer realm="backchannel-admin""#
            return response
        }
        do {
            return try await next(request, context)
        } catch {
            return AdminResponse.error(.serviceUnavailable, "temporarily_unavailable", "the store did not answer; try again")
        }
    }
}
