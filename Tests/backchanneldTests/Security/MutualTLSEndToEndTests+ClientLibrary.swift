import BackchannelClient
import BackchannelCore
import BackchannelTesting
import CertificateFixtures
import Crypto
import Foundation
import Hummingbird
import HummingbirdHTTP2
import JWTKit
import NIOSSL
import Testing

/// The project's own client library against a FAPI-CIBA provider with a private CA: what the server demands,
/// the client can do (#33).
extension MutualTLSEndToEndTests {
    /// bank-app's client: mutual TLS with its certificate, the test CA trusted, requests signed in ES256.
    private func bankClient(_ pki: PKI, _ server: BackchanneldProcess) async throws -> BackchannelClient {
        try await BackchannelClient.discover(
            issuer: server.baseURL, clientId: "bank-app", credentials: .mutualTLS,
            tlsIdentity: try ClientTLSIdentity(certificateChainPEM: try pki.bankApp.pem, privateKeyPEM: pki.bankApp.keyPem),
            trustRootsPEM: try pki.ca.pem,
            requestSigningKey: try ClientAssertionKey(pem: pki.requestKey.pemRepresentation, kid: "request-1", algorithm: .es256))
    }

    @Test("the client library does FAPI-CIBA: a signed request, bound tokens, userinfo over its certificate, a refresh with rotation and reuse refused, introspection, revocation")
    func clientLibraryFAPI() async throws {
        let pki = try PKI()
        defer { try? FileManager.default.removeItem(at: pki.directory) }
        try await withServer(pki) { server in
            let client = try await bankClient(pki, server)
            let tokens = try await client.authenticate(
                AuthenticationRequest(hint: .loginHint("alice"), scopes: ["openid", "offline_access"], bindingMessage: "FAPI 7"))
            #expect(tokens.subject == "alice")
            let bound = try await client.introspect(tokens.accessToken)
            #expect(bound["active"] == .bool(true))
            #expect(bound["cnf"] == .object(["x5t#S256": .string(Base64URL.encode(SHA256.hash(data: try pki.bankApp.der)))]))
            #expect(try await client.userinfo(accessToken: tokens.accessToken)["sub"] == .string("alice"))

            let session = TokenSession(client: client, tokens: tokens)
            let first = try #require(await session.refreshToken)
            try await session.refresh()
            let second = try #require(await session.refreshToken)
            #expect(second != first)
            // The spent token presented again is a reuse: the provider revokes the grant, and the session learns it.
            await #expect(throws: BackchannelClientError.self) { _ = try await client.refresh(first) }
            do throws(BackchannelClientError) {
                try await session.refresh()
                Issue.record("a refresh of a revoked grant succeeded")
            } catch {
                guard case .oauth(.invalidGrant, _, _) = error else {
                    Issue.record("expected invalid_grant, got \(error)")
                    return
                }
            }
            #expect(await session.refreshToken == nil)

            try await client.revoke(tokens.accessToken)
            #expect(try await client.introspect(tokens.accessToken)["active"] == .bool(false))
            do throws(BackchannelClientError) {
                _ = try await client.userinfo(accessToken: tokens.accessToken)
                Issue.record("userinfo answered for a revoked token")
            } catch {
                guard case .oauth(let code, _, let status) = error else {
                    Issue.record("expected invalid_token, got \(error)")
                    return
                }
                #expect(code.rawValue == "invalid_token" && status == 401)
            }
        }
    }

    @Test("the client names why a provider cannot be reached: an untrusted certificate (trusted once its CA is given), a refused connection")
    func clientLibraryConnectionFailures() async throws {
        let pki = try PKI()
        defer { try? FileManager.default.removeItem(at: pki.directory) }
        try await withServer(pki) { server in
            let ca = try pki.ca.pem
            func failure(_ issuer: String, trust: String?) async -> ConnectionFailure.Kind? {
                do throws(BackchannelClientError) {
                    _ = try await BackchannelClient.discover(issuer: issuer, clientId: "x", credentials: .clientSecretBasic(secret: "s"), trustRootsPEM: trust)
                    return nil
                } catch {
                    guard case .connection(let failure) = error else { return .other }
                    return failure.kind
                }
            }
            #expect(await failure(server.baseURL, trust: nil) == .untrustedCertificate)
            #expect(await failure(server.baseURL, trust: ca) == nil)
            let closedPort = try LoopbackPort.free()
            #expect(await failure("http://127.0.0.1:\(closedPort)", trust: nil) == .refused)
        }
    }

    @Test("an expired server certificate, and one for another name, are each named as such, not as untrusted",
        arguments: [("expired", ConnectionFailure.Kind.expiredCertificate), ("other-name", .hostnameMismatch)])
    func clientLibraryCertificateFailures(_ certificate: String, _ expected: ConnectionFailure.Kind) async throws {
        let ca = try TestCertificateAuthority()
        let served = certificate == "expired"
            ? try ca.issue(commonName: "127.0.0.1", ipAddresses: [[127, 0, 0, 1]], notValidAfter: Date() - 60, notValidBefore: Date() - 3600, serverAuth: true)
            : try ca.issue(commonName: "other.example", dnsNames: ["other.example"], serverAuth: true)
        let tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(try served.pem.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(served.keyPem.utf8), format: .pem)))
        let router = Router()
        router.get(".well-known/openid-configuration") { _, _ in "{}" }
        let port = try LoopbackPort.free()
        let trust = try ca.pem
        let kind: ConnectionFailure.Kind? = try await LoopbackHTTPServer.serve(router, port: port, server: try .http2Upgrade(tlsConfiguration: tls)) {
            do throws(BackchannelClientError) {
                _ = try await BackchannelClient.discover(
                    issuer: "https://127.0.0.1:\(port)", clientId: "x", credentials: .clientSecretBasic(secret: "s"), trustRootsPEM: trust)
                return nil
            } catch {
                guard case .connection(let failure) = error else { return .other }
                return failure.kind
            }
        }
        #expect(kind == expected)
    }

    @Test("a provider that accepts the connection and never answers is a timeout, after the client's own deadline")
    func clientLibraryTimeout() async throws {
        // The stand-in answers only once the client has given up.
        let (gaveUp, gaveUpContinuation) = AsyncStream.makeStream(of: Void.self)
        let router = Router()
        router.get(".well-known/openid-configuration") { _, _ -> String in
            for await _ in gaveUp { break }
            return "{}"
        }
        let port = try LoopbackPort.free()
        let kind: ConnectionFailure.Kind? = try await LoopbackHTTPServer.serve(router, port: port) {
            defer { gaveUpContinuation.finish() }
            do throws(BackchannelClientError) {
                _ = try await BackchannelClient.discover(
                    issuer: "http://127.0.0.1:\(port)", clientId: "x", credentials: .clientSecretBasic(secret: "s"), timeout: .seconds(1))
                return nil
            } catch {
                guard case .connection(let failure) = error else { return .other }
                return failure.kind
            }
        }
        #expect(kind == .timeout)
    }
}
