import BackchannelCore
import BackchannelOutbound
import BackchannelTesting
import CertificateFixtures
import Foundation
import Hummingbird
import HummingbirdHTTP2
import NIOSSL
import Testing

@Suite("the HTTP client a host lends plugins")
struct HostHTTPClientTests {
    private static func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/echo") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1024)
            return Response(
                status: .created, headers: [.init("X-Echo-Type")!: request.headers[.contentType] ?? ""],
                body: ResponseBody(byteBuffer: body))
        }
        router.get("/large") { _, _ in Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(repeating: 0x61, count: 4096))) }
        router.get("/missing") { _, _ in Response(status: .notFound) }
        return router
    }

    @Test("a call to a loopback server gets the answer: status, headers by any case, body; a 4xx is an answer, not an error")
    func answers() async throws {
        let clients = HostHTTPClients()
        let port = try LoopbackPort.free()
        try await LoopbackHTTPServer.serve(Self.router(), port: port) {
            var request = OutboundHTTPRequest(method: "POST", url: URL(string: "http://127.0.0.1:\(port)/echo")!)
            request.setFormBody([("to", "+1 555"), ("text", "a&b=c")])
            let answer = try await clients.client.send(request, maxResponseBytes: 1024)
            #expect(answer.status == 201)
            #expect(answer.headers["x-echo-type"] == "application/x-www-form-urlencoded")
            #expect(String(decoding: answer.body, as: UTF8.self) == "to=%2B1+555&text=a%26b%3Dc")
            let missing = try await clients.client.send(OutboundHTTPRequest(url: URL(string: "http://127.0.0.1:\(port)/missing")!), maxResponseBytes: 1024)
            #expect(missing.status == 404)
        }
        await clients.shutdown()
    }

    @Test("a body over the caller's limit is response_too_large")
    func boundedBody() async throws {
        let clients = HostHTTPClients()
        let port = try LoopbackPort.free()
        try await LoopbackHTTPServer.serve(Self.router(), port: port) {
            let request = OutboundHTTPRequest(url: URL(string: "http://127.0.0.1:\(port)/large")!)
            await #expect(throws: OutboundHTTPError(code: .responseTooLarge)) { try await clients.client.send(request, maxResponseBytes: 1000) }
            let whole: OutboundHTTPResponse = try await clients.client.send(request, maxResponseBytes: 4096)
            #expect(whole.body.count == 4096)
        }
        await clients.shutdown()
    }

    @Test("plain http beyond loopback is refused before any connection; nothing listening is connection_refused")
    func transportRules() async throws {
        let clients = HostHTTPClients()
        await #expect(throws: OutboundHTTPError(code: .invalidRequest)) {
            try await clients.client.send(OutboundHTTPRequest(url: URL(string: "http://gateway.example.com/send")!), maxResponseBytes: 1024)
        }
        let closed = try LoopbackPort.free()
        await #expect(throws: OutboundHTTPError(code: .connectionRefused)) {
            try await clients.client.send(OutboundHTTPRequest(url: URL(string: "http://127.0.0.1:\(closed)/")!), maxResponseBytes: 1024)
        }
        await clients.shutdown()
    }

    @Test("a server certificate from an unknown CA is untrusted_certificate, trusted once the plugin adds the CA's file")
    func privateCertificateAuthority() async throws {
        let ca = try TestCertificateAuthority()
        let server = try ca.issue(commonName: "127.0.0.1", ipAddresses: [[127, 0, 0, 1]], serverAuth: true)
        let tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(try server.pem.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(server.keyPem.utf8), format: .pem)))
        let caFile = FileManager.default.temporaryDirectory.appendingPathComponent("outbound-ca-\(UUID().uuidString).pem")
        try ca.pem.write(to: caFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: caFile) }
        let clients = HostHTTPClients()
        let port = try LoopbackPort.free()
        try await LoopbackHTTPServer.serve(Self.router(), port: port, server: try .http2Upgrade(tlsConfiguration: tls)) {
            let request = OutboundHTTPRequest(url: URL(string: "https://127.0.0.1:\(port)/missing")!)
            await #expect(throws: OutboundHTTPError(code: .untrustedCertificate)) { try await clients.client.send(request, maxResponseBytes: 1024) }
            let trusting = try clients.client.trusting(certificatesInPEMFile: caFile.path)
            #expect(try await trusting.send(request, maxResponseBytes: 1024).status == 404)
        }
        #expect(throws: OutboundHTTPError(code: .invalidRequest)) { try clients.client.trusting(certificatesInPEMFile: "/nonexistent/ca.pem") }
        await clients.shutdown()
    }

    @Test("after the host shut its clients down, a call fails as cancelled and no client is made again")
    func afterShutdown() async throws {
        let clients = HostHTTPClients()
        await clients.shutdown()
        await #expect(throws: OutboundHTTPError(code: .cancelled)) {
            try await clients.client.send(OutboundHTTPRequest(url: URL(string: "http://127.0.0.1:1/")!), maxResponseBytes: 1024)
        }
    }
}
