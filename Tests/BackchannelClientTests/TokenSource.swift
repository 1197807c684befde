import BackchannelBuiltIns
import BackchannelCore
import BackchannelServer
import BackchannelTesting
import Foundation
import JWTKit
import Logging

@testable import BackchannelClient
@testable import BackchannelHost

/// Tokens issued by the demo server's engine, with a verifier that trusts its JWKS.
enum TokenSource {
    static func make() async throws -> (idToken: String, accessToken: String, verifier: IDTokenVerifier, now: Date) {
        let clock = VirtualClock()
        let assembly = try await ServerAssembly.assemble(EmbeddedDefaults.configuration, components: try .builtIn(), dataDirectory: nil, clock: clock, logger: Logger(label: "test"))
        let engine = assembly.engine
        let authorization = "Basic " + Data("\(EmbeddedDefaults.clientId):\(EmbeddedDefaults.clientSecret)".utf8).base64EncodedString()
        let ack = try await engine.authenticationRequest(.init([("scope", "openid"), ("login_hint", "alice")]), authorization: authorization).get()
        await clock.advance(by: 5)
        let tokens = try await engine.tokenRequest(
            .init([("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", ack.authReqId)]), authorization: authorization
        ).get()
        let keys = try await JWTKeyCollection().add(jwks: JSONDecoder().decode(JWKS.self, from: engine.keys.jwksDocument))
        return ((tokens.idToken ?? ""), tokens.accessToken, IDTokenVerifier(issuer: engine.issuer, clientId: EmbeddedDefaults.clientId, keys: keys), clock.now)
    }

    static func padded(_ base64URL: String) -> String {
        let base64 = base64URL.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        return base64 + String(repeating: "=", count: (4 - base64.count % 4) % 4)
    }
}
