import BackchannelHTTP
import BackchannelServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("E-mail end to end over HTTP", .serialized, .timeLimit(.minutes(1)),
    .enabled(if: SMTPTestServer.isAvailable, "skipped: python3 with aiosmtpd is not installed; .ci/run installs it"))
struct EmailOverHTTPTests {
    @Test("start over HTTP, follow the mailed link, answer on the page over HTTP, poll: tokens, or access_denied",
        arguments: ["approve", "deny"])
    func answerOverHTTP(decision: String) async throws {
        let server = try await SMTPTestServer.start(mode: .starttls, auth: ("mailer", "s3cret"))
        defer { server.stop() }
        let setup = try await EmailThroughEngineTests.makeSetup(server)
        let app = Application(router: BackchannelRouter.make(engine: setup.engine))
        let basic = "Basic " + Data("console:console-secret-0042".utf8).base64EncodedString()
        try await app.test(.router) { client in
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .authorization: basic]
            let ack = try await client.execute(
                uri: "/backchannel/authentication", method: .post, headers: form, body: ByteBuffer(string: "scope=openid&login_hint=alice"))
            let id = try #require(String(buffer: ack.body).firstMatch(of: #/"auth_req_id":"([^"]+)"/#)).1

            await server.waitForMessages(1)
            let raw = try #require(server.messages().first)
            let text = try #require(raw.components(separatedBy: "Content-Transfer-Encoding: base64\r\n\r\n").dropFirst().first
                .flatMap { Data(base64Encoded: $0.components(separatedBy: "\r\n--")[0].replacingOccurrences(of: "\r\n", with: "")) }
                .flatMap { String(data: $0, encoding: .utf8) })
            let match = try #require(text.firstMatch(of: #/https://\S+/#))
            let link = try #require(URL(string: String(match.0)))
            let path = link.path + "/?" + (link.query ?? "")

            let page = try await client.execute(uri: path, method: .get)
            #expect(page.status == .ok)
            let cookie = try #require(page.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            let csrf = String(cookie.split(separator: "=")[1])
            let query = try #require(link.query)
            let token = String(query.split(separator: "=").last ?? "")
            let approved = try await client.execute(
                uri: link.path + "/", method: .post, headers: [.contentType: "application/x-www-form-urlencoded", .cookie: cookie],
                body: ByteBuffer(string: "csrf=\(csrf)&token=\(token)&decision=\(decision)"))
            #expect(approved.status == .ok)
            #expect(String(buffer: approved.body).contains(decision == "approve" ? "Approved." : "Denied."))

            let tokens = try await client.execute(
                uri: "/token", method: .post, headers: form,
                body: ByteBuffer(string: "grant_type=urn%3Aopenid%3Aparams%3Agrant-type%3Aciba&auth_req_id=\(id)"))
            if decision == "approve" {
                #expect(tokens.status == .ok)
                #expect(String(buffer: tokens.body).contains("id_token"))
            } else {
                #expect(tokens.status == .badRequest)
                #expect(String(buffer: tokens.body).contains("access_denied"))
            }
        }
    }
}
