import Foundation
import Hummingbird
import Testing

@testable import BackchannelHost

@Suite("HTTP adapter behaviour", .timeLimit(.minutes(1)))
struct HTTPAdapterTests {
    @Test("a JSON body is refused with invalid_request: the endpoints take forms only")
    func jsonBodyRefused() async throws {
        try await DemoServer.make().run { http in
            let answer = try await http.send(
                "/backchannel/authentication", method: .post,
                headers: [.contentType: "application/json", .authorization: "Basic ZGVtby1jbGllbnQ6ZGVtby1zZWNyZXQ="],
                body: #"{"scope":"openid","login_hint":"alice"}"#)
            #expect(answer.status == .badRequest)
            #expect(answer.error == "invalid_request")
        }
    }

    @Test("a body over the limit is refused with 413")
    func bodyTooLarge() async throws {
        try await DemoServer.make().run { http in
            let answer = try await http.post("/token", [("grant_type", String(repeating: "x", count: 70_000))])
            #expect(answer.status == .contentTooLarge)
            #expect(answer.error == "invalid_request")
        }
    }

    @Test("malformed percent-encoding is invalid_request")
    func malformedForm() async throws {
        try await DemoServer.make().run { http in
            let answer = try await http.send(
                "/token", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: "grant_type=%zz")
            #expect(answer.error == "invalid_request")
        }
    }

    @Test("errors carry no-store and never echo input")
    func errorHeaders() async throws {
        try await DemoServer.make().run { http in
            let answer = try await http.start("<script>alert(1)</script>")
            #expect(answer.headers[.cacheControl] == "no-store")
            #expect(answer.headers[.contentType] == "application/json")
            #expect(!answer.text.contains("<script"))
        }
    }

    @Test("an unknown authenticator's page is 404, and pages are framed by nobody")
    func frontChannelRouting() async throws {
        try await DemoServer.make().run { http in
            #expect(try await http.send("/authn/nothing/", method: .get).status == .notFound)
            let page = try await http.send("/authn/mock-push/", method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[.init("X-Frame-Options")!] == "DENY")
            #expect(try await http.send("/authn/mock-push", method: .get).status == .seeOther)
        }
    }
}
