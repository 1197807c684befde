import BackchannelCore
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

@testable import BackchannelHTTP

/// How the adapter hands an authenticator's routes their requests: pages as a browser's, machine routes
/// (a device API, a provider's webhook) with their raw body and headers and without a browser's trappings.
@Suite("front-channel routes: pages and machine routes")
struct FrontChannelRoutesTests {
    /// Keeps what it was asked and answers with a fixed JSON body.
    final class Echo: FrontChannelInteraction {
        let pages = Mutex<[FrontChannelRequest]>([])
        let calls = Mutex<[MachineRequest]>([])

        func respond(to request: FrontChannelRequest) async -> FrontChannelResponse {
            pages.withLock { $0.append(request) }
            return .html("<p>page</p>")
        }

        func respond(toMachine request: MachineRequest) async -> FrontChannelResponse {
            calls.withLock { $0.append(request) }
            return .json(.object(["ok": .bool(true)]))
        }
    }

    /// Pages only: the protocol's default answers machine routes.
    struct PagesOnly: FrontChannelInteraction {
        func respond(to request: FrontChannelRequest) async -> FrontChannelResponse { .html("<p>page</p>") }
    }

    private func application(_ echo: Echo) -> some ApplicationProtocol {
        let router = Router()
        FrontChannelRoutes(interactions: ["echo": echo, "pages": PagesOnly()], maxBodySize: 256).register(on: router)
        return Application(router: router)
    }

    @Test("a page's POST gets its form, the bytes it came in, and every header but Cookie; the answer carries the page headers")
    func pageSeesHeadersAndBody() async throws {
        let echo = Echo()
        try await application(echo).test(.router) { client in
            let headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .cookie: "csrf=abc", .userAgent: "Phone/1.0"]
            try await client.execute(uri: "/authn/echo/code", method: .post, headers: headers, body: ByteBuffer(string: "code=12%2034")) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentSecurityPolicy] != nil)
            }
        }
        let page = try #require(echo.pages.withLock { $0.first })
        #expect(page.formValue("code") == "12 34")
        #expect(page.body == Array("code=12%2034".utf8))
        #expect(page.cookies == ["csrf": "abc"])
        #expect(page.headers["user-agent"] == "Phone/1.0")
        #expect(page.headers["cookie"] == nil)
    }

    @Test("a machine route gets the raw body, its headers and query, no cookies; its answer has no-store and nosniff but no page headers")
    func machineRouteSeesRawRequest() async throws {
        let echo = Echo()
        let json = #"{"from":"+15550101","text":"YES 4821"}"#
        try await application(echo).test(.router) { client in
            let headers: HTTPFields = [.contentType: "application/json", .init("X-Provider-Signature")!: "sha256=beef", .cookie: "session=1"]
            try await client.execute(uri: "/authn/echo/api/webhook/inbound?attempt=2", method: .post, headers: headers, body: ByteBuffer(string: json)) {
                response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                #expect(response.headers[.cacheControl] == "no-store")
                #expect(response.headers[.init("X-Content-Type-Options")!] == "nosniff")
                #expect(response.headers[.contentSecurityPolicy] == nil)
            }
        }
        #expect(echo.pages.withLock { $0.isEmpty })
        let call = try #require(echo.calls.withLock { $0.first })
        #expect(call.method == "POST")
        #expect(call.path == "webhook/inbound")
        #expect(call.queryValue("attempt") == "2")
        #expect(call.body == Array(json.utf8))
        #expect(call.headers["x-provider-signature"] == "sha256=beef")
        #expect(call.headers["cookie"] == nil)
        struct Inbound: Decodable { var from: String; var text: String }
        #expect(try call.jsonBody(as: Inbound.self).text == "YES 4821")
    }

    @Test("machine routes take GET, PUT, PATCH and DELETE too; OPTIONS is 405 with Allow")
    func machineMethods() async throws {
        let echo = Echo()
        try await application(echo).test(.router) { client in
            for method in [HTTPRequest.Method.get, .put, .patch, .delete] {
                try await client.execute(uri: "/authn/echo/api/devices/7", method: method) { response in #expect(response.status == .ok) }
            }
            try await client.execute(uri: "/authn/echo/api/devices/7", method: .options) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow]?.contains("DELETE") == true)
            }
        }
        #expect(echo.calls.withLock { $0.map(\.method) } == ["GET", "PUT", "PATCH", "DELETE"])
    }

    @Test("a machine body over the server's limit is 413 and never reaches the plugin")
    func boundedMachineBody() async throws {
        let echo = Echo()
        try await application(echo).test(.router) { client in
            try await client.execute(uri: "/authn/echo/api/webhook", method: .post, body: ByteBuffer(repeating: 0x41, count: 257)) { response in
                #expect(response.status == .contentTooLarge)
            }
        }
        #expect(echo.calls.withLock { $0.isEmpty })
    }

    @Test("an interaction without machine routes answers them 404 in JSON; an unknown authenticator too")
    func defaultMachineAnswer() async throws {
        try await application(Echo()).test(.router) { client in
            for uri in ["/authn/pages/api/anything", "/authn/nobody/api/anything"] {
                try await client.execute(uri: uri, method: .post) { response in
                    #expect(response.status == .notFound)
                    #expect(String(buffer: response.body) == #"{"error":"not_found"}"#)
                }
            }
        }
    }
}
