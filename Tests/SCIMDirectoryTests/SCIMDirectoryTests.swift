import BackchannelCore
import BackchannelOutbound
import BackchannelSCIM
import BackchannelTesting
import Foundation
import Hummingbird
import Logging
import SCIMDirectory
import Testing

/// The `scim` directory against a SCIM 2.0 stand-in the test serves: a filter parser of its own, which, like a
/// real service, widens a search when a filter goes on after its quoted value.
@Suite("SCIM directory", .timeLimit(.minutes(1)))
struct SCIMDirectoryTests {
    static let token = "scim-token-for-tests"

    static let resources: [String: String] = [
        "2819c223": #"{"id": "2819c223", "userName": "bjensen", "name": {"givenName": "Barbara"}, "emails": [{"value": "bjensen@example.com", "primary": true}], "phoneNumbers": [{"value": "+1 555 555 5555"}]}"#,
        "902c246b": #"{"id": "902c246b", "userName": "jsmith", "emails": [{"value": "jsmith@example.com"}]}"#,
        "inactive1": #"{"id": "inactive1", "userName": "gone", "active": false}"#,
    ]

    /// What the stand-in's users hold for `attribute`.
    static func values(_ json: String, _ attribute: String) -> [String] {
        guard let user = try? JSONDecoder().decode(SCIMUser.self, from: Data(json.utf8)) else { return [] }
        switch attribute {
        case "userName": return [user.userName].compactMap { $0 }
        case "emails.value": return (user.emails ?? []).compactMap(\.value)
        case "phoneNumbers.value": return (user.phoneNumbers ?? []).compactMap { $0.value?.filter { $0 != " " } }
        default: return []
        }
    }

    static func standIn() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/scim/v2/Users") { request, _ -> Response in
            guard request.headers[.authorization] == "Bearer \(token)" else { return Response(status: .unauthorized) }
            let filter = request.uri.queryParameters.get("filter") ?? ""
            var matched: [String] = []
            if let match = filter.firstMatch(of: #/^(\S+) eq (".*")$/#) {
                if let value = try? JSONDecoder().decode(String.self, from: Data(match.2.utf8)) {
                    matched = resources.values.filter { values($0, String(match.1)).contains(value) }
                } else {
                    matched = Array(resources.values)  // "… or userName pr": a widened search
                }
            }
            let body = #"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": \#(matched.count), "Resources": [\#(matched.joined(separator: ","))]}"#
            return Response(status: .ok, headers: [.contentType: "application/scim+json"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        router.get("/scim/v2/Users/{id}") { request, context -> Response in
            guard request.headers[.authorization] == "Bearer \(token)" else { return Response(status: .unauthorized) }
            guard let resource = resources[context.parameters.get("id") ?? ""] else { return Response(status: .notFound) }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: resource)))
        }
        return router
    }

    static func directory(port: Int, token: String = SCIMDirectoryTests.token) throws -> SCIMDirectory {
        try SCIMDirectory(
            configuration: JSONValue.object(["base_url": .string("http://127.0.0.1:\(port)/scim/v2"), "bearer_token_env": .string("SCIM_TOKEN")])
                .decode(as: SCIMDirectoryConfiguration.self),
            services: DirectoryServices(logger: Logger(label: "test"), http: HostHTTPClients.processWide.client),
            environment: ["SCIM_TOKEN": token])
    }

    @Test("a user is found by id, userName, e-mail address in any case and phone number in any spacing")
    func findsUsers() async throws {
        let port = try LoopbackPort.free()
        try await LoopbackHTTPServer.serve(Self.standIn(), port: port) {
            let directory = try Self.directory(port: port)
            #expect(try await directory.user(subject: "2819c223")?.loginHints == ["bjensen", "bjensen@example.com"])
            for hint in ["bjensen", "BJensen@Example.com", "+1 (555) 555-5555"] {
                #expect(try await directory.user(loginHint: hint)?.subject == "2819c223", "\(hint)")
            }
            #expect(try await directory.user(loginHint: "nobody") == nil)
            #expect(try await directory.user(subject: "unknown") == nil)
            #expect(try await directory.user(subject: "inactive1") == nil)
            #expect(try await directory.user(loginHint: "gone") == nil)
            #expect(await directory.readiness() == .ready)
        }
    }

    @Test("a hint that tries to close the quoted value and add a clause is only ever compared", arguments: [
        #"bjensen" or userName pr or userName eq "x"#, #"x\" or userName pr"#, "a\"\u{0}", #"../902c246b"#,
    ])
    func injectionCannotWiden(hint: String) async throws {
        let port = try LoopbackPort.free()
        try await LoopbackHTTPServer.serve(Self.standIn(), port: port) {
            let directory = try Self.directory(port: port)
            #expect(try await directory.user(loginHint: hint) == nil)
            #expect(try await directory.user(subject: hint) == nil)
        }
    }

    @Test("a wrong token, or a service out of reach, is an error, never an unknown user")
    func failuresAreErrors() async throws {
        let port = try LoopbackPort.free()
        try await LoopbackHTTPServer.serve(Self.standIn(), port: port) {
            let wrong = try Self.directory(port: port, token: "wrong")
            await #expect(throws: SCIMDirectory.Failure.self) { try await wrong.user(loginHint: "bjensen") }
            #expect(await wrong.readiness() != .ready)
        }
        let gone = try Self.directory(port: port)
        await #expect(throws: SCIMDirectory.Failure.self) { try await gone.user(loginHint: "bjensen") }
    }

    @Test("a filter value is a JSON string: quotes, backslashes and control characters escaped")
    func filterEscaping() {
        #expect(SCIMFilter.equals("userName", #"a"b\c"#) == #"userName eq "a\"b\\c""#)
        #expect(SCIMFilter.quoted("a\u{0}\n") == #""a\u0000\u000a""#)
    }

    @Test("a base URL over plain http off loopback, or no token, stops the start naming the field")
    func configurationRefusals() throws {
        let services = DirectoryServices(logger: Logger(label: "test"), http: HostHTTPClients.processWide.client)
        let plain = #expect(throws: ConfigurationError.self) {
            try SCIMDirectory(
                configuration: JSONValue.object(["base_url": .string("http://idm.example.com/scim/v2"), "bearer_token_env": .string("T")]).decode(as: SCIMDirectoryConfiguration.self),
                services: services, environment: ["T": "x"])
        }
        #expect(plain?.path == "base_url")
        let tokenless = #expect(throws: ConfigurationError.self) {
            try SCIMDirectory(
                configuration: JSONValue.object(["base_url": .string("https://idm.example.com/scim/v2")]).decode(as: SCIMDirectoryConfiguration.self),
                services: services, environment: [:])
        }
        #expect(tokenless?.path == "bearer_token_file")
    }
}
