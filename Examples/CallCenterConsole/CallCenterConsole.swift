import ArgumentParser
import BackchannelClient
import Foundation

/// An agent's console at a call centre: the caller says who they are, the agent reads them a short code,
/// the caller approves on their phone, and the console shows the verified identity.
///
/// Run `swift run backchanneld` in one terminal and `swift run CallCenterConsole alice` in another
/// (`bob` denies, `carol` never answers). `--issuer`, `--client-id` and `--client-secret` (or
/// BACKCHANNEL_ISSUER, BACKCHANNEL_CLIENT_ID and BACKCHANNEL_CLIENT_SECRET) point it at another provider.
@main
struct CallCenterConsole: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "CallCenterConsole",
        abstract: "Verify a caller's identity: they approve on their phone while the agent waits.",
        discussion: """
            Exit status: 0 when the caller is verified; 1 when they decline, do not answer in time, or the \
            provider cannot be reached; 64 for a usage error.
            """)

    private static let environment = ProcessInfo.processInfo.environment

    @Argument(help: "Who the caller says they are: a login hint the provider knows.")
    var caller: String = "alice"

    @Option(help: "The provider's issuer URL; $BACKCHANNEL_ISSUER when set.")
    var issuer: String = environment["BACKCHANNEL_ISSUER"] ?? "http://127.0.0.1:8080"

    @Option(name: .customLong("client-id"), help: "This console's client_id; $BACKCHANNEL_CLIENT_ID when set.")
    var clientId: String = environment["BACKCHANNEL_CLIENT_ID"] ?? "demo-client"

    // Optional, so that --help never prints a secret taken from the environment.
    @Option(
        name: .customLong("client-secret"),
        help: "Its client_secret (default: $BACKCHANNEL_CLIENT_SECRET, else demo-secret; prefer the variable, which ps does not show).")
    var clientSecret: String?

    func run() async throws {
        // A code the agent reads aloud; the caller checks their phone shows the same one.
        let alphabet = Array("ACDEFHJKMNPRTUVWXY34679")
        let code = String((0..<4).map { _ in alphabet.randomElement()! })

        let secret = clientSecret ?? Self.environment["BACKCHANNEL_CLIENT_SECRET"] ?? "demo-secret"
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
            throw ExitCode(1)
        }
    }
}
