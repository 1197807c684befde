import BackchannelClient
import Foundation
import Hummingbird

extension NotificationInbox {
    /// Serves this inbox as a client notification endpoint on `router`: a `POST` to `path` is judged
    /// by ``BackchannelClient/NotificationInbox/receive(authorization:body:)`` and answered with the
    /// verdict's status (204, 401 or 400), with no body.
    ///
    /// ```swift
    /// let inbox = NotificationInbox()
    /// let router = Router()
    /// inbox.addRoute(to: router, path: "/ciba/notify")
    /// // serve router; register https://rp.example.com/ciba/notify as the client's
    /// // backchannel_client_notification_endpoint; then:
    /// let tokens = try await client.authenticate(request, delivery: .ping(inbox))
    /// ```
    public func addRoute<Context: RequestContext>(to router: Router<Context>, path: RouterPath = "/") {
        router.post(path) { request, _ -> Response in
            // A notification is a small JSON object; a push of tokens fits well within 64 KiB.
            guard let body = try? await request.body.collect(upTo: 64 * 1024) else {
                return Response(status: .contentTooLarge)
            }
            let verdict = self.receive(authorization: request.headers[.authorization], body: Data(buffer: body))
            return Response(status: .init(code: verdict.httpStatus))
        }
    }
}
