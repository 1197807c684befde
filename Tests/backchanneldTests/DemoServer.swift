import BackchannelBuiltIns
import BackchannelCore
import BackchannelServer
import BackchannelTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import JWTKit
import Logging
import Testing

@testable import BackchannelHost

/// `backchanneld` on its embedded defaults, plus a second client, on a virtual clock, served over a
/// real loopback socket.
struct DemoServer {
    static let demo = (EmbeddedDefaults.clientId, EmbeddedDefaults.clientSecret)
    static let other = ("other-client", "other-secret")

    let clock: VirtualClock
    let assembly: ServerAssembly
    var engine: BackchannelEngine { assembly.engine }

    static func make(policy: ServerPolicy = ServerPolicy()) async throws -> DemoServer {
        var configuration = EmbeddedDefaults.configuration
        configuration.policy = policy
        // The demo's published secret is shorter than the default minimum; the demo allows it.
        configuration.policy.minClientSecretLength = EmbeddedDefaults.configuration.policy.minClientSecretLength
        // The demo clients may request the demo's authorization details type.
        configuration.policy.authorizationDetailsTypes = EmbeddedDefaults.configuration.policy.authorizationDetailsTypes
        configuration.policy.allowInsecureLoopbackNotifications = true  // the demo agent's ping endpoint
        configuration.clients.append(ClientConfiguration(clientId: other.0, clientSecret: other.1))
        let clock = VirtualClock()
        let assembly = try await ServerAssembly.assemble(configuration, components: try .builtIn(), dataDirectory: nil, clock: clock, logger: Logger(label: "test"))
        return DemoServer(clock: clock, assembly: assembly)
    }

    func run(_ body: @escaping @Sendable (HTTPClient) async throws -> Void) async throws {
        let app = Application(router: assembly.router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        let clock = self.clock
        try await app.test(.live) { client in try await body(HTTPClient(client: client, clock: clock)) }
    }
}

/// A client's view of the server: form posts with Basic authentication, JSON answers.
struct HTTPClient: Sendable {
    let client: any TestClientProtocol
    let clock: VirtualClock

    struct Answer: Sendable {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var json: [String: JSONValue]
        var text: String
        var error: String? { json["error"]?.stringValue }
    }

    static func form(_ parameters: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return parameters.map { "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
            .joined(separator: "&")
    }

    func post(_ path: String, _ parameters: [(String, String)], client credentials: (String, String)? = DemoServer.demo, contentType: String = "application/x-www-form-urlencoded") async throws -> Answer {
        var headers: HTTPFields = [.contentType: contentType]
        if let credentials {
            headers[.authorization] = "Basic " + Data("\(credentials.0):\(credentials.1)".utf8).base64EncodedString()
        }
        return try await send(path, method: .post, headers: headers, body: Self.form(parameters))
    }

    func send(_ path: String, method: HTTPRequest.Method, headers: HTTPFields = [:], body: String? = nil) async throws -> Answer {
        try await client.execute(uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { response in
            let text = String(buffer: response.body)
            let json = (try? JSONDecoder().decode([String: JSONValue].self, from: Data(text.utf8))) ?? [:]
            return Answer(status: response.status, headers: response.headers, json: json, text: text)
        }
    }

    func start(_ hint: String, _ extra: [(String, String)] = [], client: (String, String) = DemoServer.demo) async throws -> Answer {
        try await post("/backchannel/authentication", [("scope", "openid"), ("login_hint", hint)] + extra, client: client)
    }

    func poll(_ authReqId: String, client: (String, String) = DemoServer.demo) async throws -> Answer {
        try await post("/token", [("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", authReqId)], client: client)
    }
}
