import BackchannelClient
import Foundation

/// An agent's console at a call centre: the caller says who they are, the agent reads them a short code,
/// the caller approves on their phone, and the console shows the verified identity.
///
/// Run `swift run backchanneld` in one terminal and `swift run CallCenterConsole alice` in another
/// (`bob` denies, `carol` never answers). BACKCHANNEL_ISSUER, BACKCHANNEL_CLIENT_ID and
/// BACKCHANNEL_CLIENT_SECRET point it at another provider.
@main
struct CallCenterConsole {
    static func main() async {
        let environment = ProcessInfo.processInfo.environment
        let caller = CommandLine.arguments.dropFirst().first ?? "alice"
        let issuer = environment["BACKCHANNEL_ISSUER"] ?? "http://127.0.0.1:8080"
        let clientId = environment["BACKCHANNEL_CLIENT_ID"] ?? "demo-client"
        let secret = environment["BACKCHANNEL_CLIENT_SECRET"] ?? "demo-secret"

        // A code the agent reads aloud; the caller checks their phone shows the same one.
        let alphabet = Array("ACDEFHJKMNPRTUVWXY34679")
        let code = String((0..<4).map { _ in alphabet.randomElement()! })

        do {
            let client = try await BackchannelClient.discover(issuer: issuer, clientId: clientId, credentials: .clientSecretBasic(secret: secret))
            print("Asking \(caller) to confirm on their phone. Read them the code: \(code)")
            let tokens = try await client.authenticate(
                AuthenticationRequest(hint: .loginHint(caller), scopes: ["openid"], bindingMessage: "Call centre: \(code)")
            ) { progress in
                print("  waiting… \(progress.secondsLeft) s left")
            }
            print("Verified caller: \(tokens.subject)")
        } catch {
            let message: String =
                switch error {
                case .oauth(.accessDenied, _, _): "The caller declined on their phone."
                case .expired: "The caller did not answer in time."
                default: "Could not verify the caller: \(error)"
                }
            print(message)
            exit(1)
        }
    }
}
