import Hummingbird
import HummingbirdTesting
import Testing

@testable import BackchannelHTTP

/// The admin API's guard: only the bearer of the token gets through, and a route that fails says so without
/// its details.
@Suite("admin token middleware")
struct AdminTokenMiddlewareTests {
    struct StoreDown: Error {}

    private func application() -> some ApplicationProtocol {
        let router = Router()
        let admin = router.group("/admin").add(middleware: AdminTokenMiddleware<BasicRequestContext>(token: "a-long-admin-token-0042"))
        admin.get("/ok") { _, _ in "fine" }
        admin.get("/failing") { _, _ -> String in throw StoreDown() }
        return Application(router: router)
    }

    @Test("without the token, or with another, 401 with a Bearer challenge; the route never runs")
    func refusesOthers() async throws {
        try await application().test(.router) { client in
            for header in [nil, "Bearer a-long-admin-token-0043", "Basic a-long-admin-token-0042", "Bearer "] {
                let headers: HTTPFields = header.map { [.authorization: $0] } ?? [:]
                try await client.execute(uri: "/admin/ok", method: .get, headers: headers) { response in
                    #expect(response.status == .unauthorized)
                    #expect(response.headers[.wwwAuthenticate] == #"Bearer realm="backchannel-admin""#)
                    #expect(!String(buffer: response.body).contains("fine"))
                }
            }
        }
    }

    @Test("with the token the route answers; a route that fails is 503 temporarily_unavailable, naming nothing of the fault")
    func passesTheBearer() async throws {
        try await application().test(.router) { client in
            let headers: HTTPFields = [.authorization: "bearer a-long-admin-token-0042"]
            try await client.execute(uri: "/admin/ok", method: .get, headers: headers) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "fine")
            }
            try await client.execute(uri: "/admin/failing", method: .get, headers: headers) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains("temporarily_unavailable"))
                #expect(!String(buffer: response.body).contains("StoreDown"))
            }
        }
    }
}
