import AsyncHTTPClient
import BackchannelClient
import BackchannelCore
import CertificateFixtures
import Crypto
import Foundation
import JWTKit
import NIOSSL
import Testing

/// `backchanneld` terminating TLS itself over loopback, with client certificates made in the test: mutual-TLS
/// client authentication, certificate-bound tokens, the client library and CLI, and a proxy's header.
@Suite("mutual TLS over real TLS", .serialized, .timeLimit(.minutes(3)),
    .enabled(if: BackchanneldProcess.isBuilt, "skipped: the backchanneld binary is not built beside the tests"))
struct MutualTLSEndToEndTests {
    /// The PKI of one test: a CA, the server's certificate for 127.0.0.1, "branch-42"'s client certificate,
    /// and a self-signed one for the kiosk.
    struct PKI {
        let directory: URL
        let ca: TestCertificateAuthority
        let branch: TestCertificate
        let kiosk: TestCertificate
        let bankApp: TestCertificate
        /// The key bank-app signs its authentication requests with.
        let requestKey = ES256PrivateKey()

        init() throws {
            directory = try ChildProcess.temporaryDirectory("mtls")
            ca = try TestCertificateAuthority()
            let server = try ca.issue(commonName: "127.0.0.1", organization: "Backchannel", ipAddresses: [[127, 0, 0, 1]], serverAuth: true)
            branch = try ca.issue(commonName: "branch-42")
            kiosk = try TestCertificate.selfSigned(commonName: "kiosk")
            bankApp = try ca.issue(commonName: "bank-app")
            try write("ca.pem", try ca.pem)
            try write("server.pem", try server.pem)
            try write("server.key", server.keyPem)
            try write("branch.pem", try branch.pem)
            try write("branch.key", branch.keyPem)
        }

        func write(_ name: String, _ text: String) throws {
            try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }

        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

        /// An HTTPS client that trusts the test CA and presents `certificate` (or none).
        func client(presenting certificate: TestCertificate?) throws -> AsyncHTTPClient.HTTPClient {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMBytes(Array(try ca.pem.utf8)))]
            if let certificate {
                tls.certificateChain = [.certificate(try NIOSSLCertificate(bytes: Array(try certificate.pem.utf8), format: .pem))]
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(certificate.keyPem.utf8), format: .pem))
            }
            return AsyncHTTPClient.HTTPClient(eventLoopGroup: AsyncHTTPClient.HTTPClient.defaultEventLoopGroup, configuration: AsyncHTTPClient.HTTPClient.Configuration(tlsConfiguration: tls))
        }

        /// Runs `body` with clients presenting each of `certificates`, shut down after it.
        func withClients<T>(
            presenting certificates: [TestCertificate?], _ body: ([AsyncHTTPClient.HTTPClient]) async throws -> T
        ) async throws -> T {
            let clients = try certificates.map { try client(presenting: $0) }
            do {
                let result = try await body(clients)
                for client in clients { try await client.shutdown() }
                return result
            } catch {
                for client in clients { try? await client.shutdown() }
                throw error
            }
        }
    }

    func withServer(_ pki: PKI, extra: String = "", _ body: (BackchanneldProcess) async throws -> Void) async throws {
        let (x, y) = pki.kiosk.jwkCoordinates
        let request = pki.requestKey.publicKey.parameters!
        let file = pki.directory.appendingPathComponent("backchannel.yaml")
        try """
            server:
              tls: { certificate_file: \(pki.path("server.pem")), private_key_file: \(pki.path("server.key")) }
              client_certificates: { ca_file: \(pki.path("ca.pem")) }
            clients:
              - client_id: branch
                token_endpoint_auth_methods: [tls_client_auth]
                tls_client_auth_subject_dn: "CN=branch-42,O=Bank"
                tls_client_certificate_bound_access_tokens: true
              - client_id: kiosk
                token_endpoint_auth_methods: [self_signed_tls_client_auth]
                jwks: { keys: [{ kty: EC, crv: P-256, kid: kiosk-1, x: "\(x)", y: "\(y)" }] }
              - client_id: bank-app
                profile: fapi-ciba
                token_endpoint_auth_methods: [tls_client_auth]
                tls_client_auth_subject_dn: "CN=bank-app,O=Bank"
                tls_client_certificate_bound_access_tokens: true
                backchannel_authentication_request_signing_alg: ES256
                id_token_signed_response_alg: ES256
                jwks: { keys: [{ kty: EC, crv: P-256, kid: request-1, x: "\(request.x)", y: "\(request.y)" }] }
                grant_types: [urn:openid:params:grant-type:ciba, refresh_token]
                scopes: [openid, offline_access]
            authenticators:
              - { plugin: mock-push, configuration: { users: { alice: { action: approve, after_seconds: 1 } } } }
            users:
              - { subject: alice }
            \(extra)
            """.write(to: file, atomically: true, encoding: .utf8)
        let server = try await pki.withClients(presenting: [nil]) { probe in
            try await BackchanneldProcess(
                arguments: ["--config", file.path, "--data-dir", pki.directory.appendingPathComponent("data").path],
                log: pki.directory.appendingPathComponent("log"), logLevel: "info", https: probe[0])
        }
        defer { server.stop() }
        try await body(server)
    }

    /// A flow over `client`'s connection: start, wait for alice's approval, poll.
    func flow(_ server: BackchanneldProcess, clientId: String, client: AsyncHTTPClient.HTTPClient) async throws -> HTTPPeer.Answer {
        let ack = try await HTTPPeer.post(
            "\(server.baseURL)/backchannel/authentication", form: [("client_id", clientId), ("scope", "openid"), ("login_hint", "alice")], client: client)
        guard let id = ack.json["auth_req_id"]?.stringValue else { return ack }
        #expect(await server.waitUntilConcluded(id))
        return try await HTTPPeer.post(
            "\(server.baseURL)/token", form: [("client_id", clientId), ("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", id)],
            client: client)
    }

    func accessTokenClaims(_ token: String) throws -> [String: JSONValue] {
        var payload = String(token.split(separator: ".")[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while payload.count % 4 != 0 { payload += "=" }
        return try JSONDecoder().decode([String: JSONValue].self, from: try #require(Data(base64Encoded: payload)))
    }

    @Test("tls_client_auth over TLS: tokens whose cnf is the thumbprint of the certificate used; userinfo takes them only over that certificate")
    func boundTokensOverTLS() async throws {
        let pki = try PKI()
        defer { try? FileManager.default.removeItem(at: pki.directory) }
        try await withServer(pki) { server in
            try await pki.withClients(presenting: [pki.branch, try pki.ca.issue(commonName: "branch-42")]) { clients in
            let (branch, other) = (clients[0], clients[1])
            let tokens = try await flow(server, clientId: "branch", client: branch)
            #expect(tokens.status == 200, "\(tokens.text)")
            let accessToken = try #require(tokens.json["access_token"]?.stringValue)
            let thumbprint = Base64URL.encode(SHA256.hash(data: try pki.branch.der))
            #expect(try accessTokenClaims(accessToken)["cnf"] == .object(["x5t#S256": .string(thumbprint)]))

            let userinfo = try await HTTPPeer.get("\(server.baseURL)/userinfo", headers: [("Authorization", "Bearer \(accessToken)")], client: branch)
            #expect(userinfo.status == 200)
            let stolen = try await HTTPPeer.get("\(server.baseURL)/userinfo", headers: [("Authorization", "Bearer \(accessToken)")], client: other)
            #expect(stolen.status == 401)
            }
        }
    }

    @Test("without a client certificate, or with one naming another subject, tls_client_auth is invalid_client")
    func refusedOverTLS() async throws {
        let pki = try PKI()
        defer { try? FileManager.default.removeItem(at: pki.directory) }
        try await withServer(pki) { server in
            try await pki.withClients(presenting: [nil, try pki.ca.issue(commonName: "branch-43")]) { clients in
            for client in clients {
                let answer = try await HTTPPeer.post(
                    "\(server.baseURL)/backchannel/authentication", form: [("client_id", "branch"), ("scope", "openid"), ("login_hint", "alice")],
                    client: client)
                #expect(answer.status == 401)
                #expect(answer.json["error"] == .string("invalid_client"))
            }
            }
        }
    }

    @Test("self_signed_tls_client_auth over TLS: a self-signed certificate with the registered key gets tokens")
    func selfSignedOverTLS() async throws {
        let pki = try PKI()
        defer { try? FileManager.default.removeItem(at: pki.directory) }
        try await withServer(pki) { server in
            try await pki.withClients(presenting: [pki.kiosk]) { clients in
                let tokens = try await flow(server, clientId: "kiosk", client: clients[0])
                #expect(tokens.status == 200, "\(tokens.text)")
            }
        }
    }

    @Test("the client library and backchannel login authenticate with a client certificate")
    func clientLibraryAndCLI() async throws {
        let pki = try PKI()
        defer { try? FileManager.default.removeItem(at: pki.directory) }
        try await withServer(pki) { server in
            let identity = try ClientTLSIdentity(certificateChainPEM: try pki.branch.pem, privateKeyPEM: pki.branch.keyPem, trustRootsPEM: try pki.ca.pem)
            let client = try await BackchannelClient.discover(issuer: server.baseURL, clientId: "branch", credentials: .mutualTLS, tlsIdentity: identity)
            let tokens = try await client.authenticate(AuthenticationRequest(hint: .loginHint("alice")))
            #expect(tokens.subject == "alice")

            let (status, output) = try await ChildProcess.run(
                BackchanneldProcess.builtExecutable("backchannel"),
                [
                    "login", "--issuer", server.baseURL, "--client-id", "branch", "--client-certificate", pki.path("branch.pem"), "--client-key",
                    pki.path("branch.key"), "--ca-file", pki.path("ca.pem"), "--login-hint", "alice",
                ])
            #expect(status == 0, "\(output)")
            #expect(output.contains("\"access_token\""), "\(output)")
        }
    }

    /// A server behind a proxy at `proxies` that forwards the certificate in X-Client-Cert.
    func withProxiedServer(_ pki: PKI, proxies: String, _ body: (BackchanneldProcess) async throws -> Void) async throws {
        let file = pki.directory.appendingPathComponent("proxied.yaml")
        try """
            server:
              client_certificates: { ca_file: \(pki.path("ca.pem")), header: X-Client-Cert, trusted_proxies: \(proxies) }
            clients:
              - { client_id: branch, token_endpoint_auth_methods: [tls_client_auth], tls_client_auth_subject_dn: "CN=branch-42,O=Bank" }
            authenticators:
              - { plugin: mock-push, configuration: { users: { alice: { action: approve, after_seconds: 1 } } } }
            users:
              - { subject: alice }
            """.write(to: file, atomically: true, encoding: .utf8)
        let server = try await BackchanneldProcess(
            arguments: ["--config", file.path, "--data-dir", pki.directory.appendingPathComponent("data-\(UUID().uuidString)").path],
            log: pki.directory.appendingPathComponent("log-proxy"), logLevel: "info")
        defer { server.stop() }
        try await body(server)
    }

    @Test("behind a proxy: the certificate in the configured header counts only from a trusted proxy address")
    func proxyHeader() async throws {
        let pki = try PKI()
        defer { try? FileManager.default.removeItem(at: pki.directory) }
        let escaped = try pki.branch.pem.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        for (proxies, expected) in [("[127.0.0.1]", 200), ("[10.9.9.9]", 401)] {
            try await withProxiedServer(pki, proxies: proxies) { server in
                let answer = try await HTTPPeer.post(
                    "\(server.baseURL)/backchannel/authentication", form: [("client_id", "branch"), ("scope", "openid"), ("login_hint", "alice")],
                    headers: [("X-Client-Cert", escaped)])
                #expect(answer.status == expected, "\(proxies): \(answer.text)")
            }
        }
    }

    @Test("behind a proxy that appends: the certificate header twice, or two certificates in one, is invalid_request and the log says why")
    func proxyHeaderRepeated() async throws {
        let pki = try PKI()
        defer { try? FileManager.default.removeItem(at: pki.directory) }
        let branch = try pki.branch.pem.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let kiosk = try pki.kiosk.pem.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let both = try (pki.branch.pem + pki.kiosk.pem).addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        try await withProxiedServer(pki, proxies: "[127.0.0.1]") { server in
            for headers in [[("X-Client-Cert", branch), ("X-Client-Cert", kiosk)], [("X-Client-Cert", kiosk), ("X-Client-Cert", branch)],
                [("X-Client-Cert", branch), ("X-Client-Cert", branch)], [("X-Client-Cert", both)], [("X-Client-Cert", branch + "," + kiosk)]]
            {
                let answer = try await HTTPPeer.post(
                    "\(server.baseURL)/backchannel/authentication", form: [("client_id", "branch"), ("scope", "openid"), ("login_hint", "alice")],
                    headers: headers)
                #expect(answer.status == 400 && answer.json["error"] == .string("invalid_request"), "\(answer.text)")
            }
            let log = try String(contentsOf: pki.directory.appendingPathComponent("log-proxy"), encoding: .utf8)
            #expect(log.contains("forwarded_certificate_repeated"))
        }
    }
}
