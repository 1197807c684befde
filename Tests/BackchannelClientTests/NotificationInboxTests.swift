import BackchannelClient
import Foundation
import Testing

/// What a notification endpoint answers, judged by the inbox alone.
@Suite("notification inbox")
struct NotificationInboxTests {
    private let body = Data(#"{"auth_req_id":"abc"}"#.utf8)

    @Test("a notification without a bearer token, or with one nobody waits for, is 401")
    func unauthorized() {
        let inbox = NotificationInbox()
        #expect(inbox.receive(authorization: nil, body: body) == .unauthorized)
        #expect(inbox.receive(authorization: "Basic abc", body: body) == .unauthorized)
        #expect(inbox.receive(authorization: "Bearer nobody-waits", body: body) == .unauthorized)
        #expect(NotificationInbox.Verdict.unauthorized.httpStatus == 401)
        #expect(NotificationInbox.Verdict.accepted.httpStatus == 204)
        #expect(NotificationInbox.Verdict.malformed.httpStatus == 400)
    }
}
