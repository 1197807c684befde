import ArgumentParser
import BackchannelClient
import BackchannelClientHummingbird
import BackchannelCore
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// `backchannel login`: authenticates a user through a CIBA provider and prints the tokens.
struct Login: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask a provider to authenticate a user on their own device, wait for them, print the tokens.",
        discussion: ExitStatus.help
    )

    @OptionGroup var provider: ClientOptions

    @Option(help: "Identify the user by a login hint (username, e-mail, phone).")
    var loginHint: String?

    @Option(help: "Identify the user by an ID token the provider issued to this client.")
    var idTokenHint: String?

    @Option(help: "Identify the user by a login_hint_token.")
    var loginHintToken: String?

    @Option(help: "A short text both devices show, to read to the user.")
    var bindingMessage: String?

    @Option(help: "Scopes to request, space-separated; openid is always included.")
    var scope: String = "openid"

    @Option(help: "A user code, when the provider requires one for this client.")
    var userCode: String?

    @Option(help: "The lifetime to ask for, in seconds.")
    var requestedExpiry: Int?

    @Option(help: "acr values, space-separated, in order of preference.")
    var acrValues: String?

    @Option(help: ArgumentHelp(
        "RFC 9396 authorization_details: JSON, or @FILE.", valueName: "json|@file"))
    var authorizationDetails: String?

    @Option(name: .customLong("claims"), help: ArgumentHelp(
        "The claims parameter: JSON, or @FILE.", valueName: "json|@file"))
    var requestedClaims: String?

    @Option(help: ArgumentHelp("Sign the request with this PEM or JWK key (FAPI-CIBA).", valueName: "key-file"))
    var signRequest: String?

    @Option(help: "With a PEM --sign-request: its registered kid.")
    var requestKeyId: String?

    @Option(help: "ES256, PS256 or RS256 (default: from the key).")
    var requestSigningAlg: String?

    @Flag(help: "Print the ID token's verified claims instead.")
    var idTokenClaims = false

    @Option(help: ArgumentHelp(
        "For a client registered in ping mode: receive the ping on HOST:PORT (its notification endpoint is http://HOST:PORT/), then redeem once.",
        valueName: "host:port"))
    var pingListen: String?

    @Option(help: ArgumentHelp(
        "For a client registered in push mode: receive the pushed tokens on HOST:PORT (its notification endpoint is http://HOST:PORT/).",
        valueName: "host:port"))
    var pushListen: String?

    /// Where to listen for notifications, and in which mode.
    private var listen: (host: String, port: Int, push: Bool)? {
        guard let address = pingListen ?? pushListen, let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
            (1...65535).contains(port)
        else { return nil }
        return (String(address[..<colon]), port, pushListen != nil)
    }

    func validate() throws {
        guard [loginHint, idTokenHint, loginHintToken].compactMap({ $0 }).count == 1 else {
            throw ValidationError("give exactly one of --login-hint, --id-token-hint and --login-hint-token")
        }
        if let requestedExpiry, requestedExpiry <= 0 { throw ValidationError("--requested-expiry must be positive") }
        if pingListen != nil, pushListen != nil { throw ValidationError("give --ping-listen or --push-listen, not both") }
        if pingListen != nil || pushListen != nil, listen == nil { throw ValidationError("--ping-listen and --push-listen take HOST:PORT") }
        if let requestSigningAlg, ClientAssertionKey.Algorithm(rawValue: requestSigningAlg) == nil {
            throw ValidationError("--request-signing-alg is ES256, PS256 or RS256")
        }
    }

    /// `--authorization-details` as JSON: inline, or read from the file after `@`; one object is an array of one.
    private func parsedAuthorizationDetails() throws -> JSONValue? {
        guard let authorizationDetails else { return nil }
        switch try ClientOptions.json(authorizationDetails, named: "--authorization-details") {
        case .array(let entries): return .array(entries)
        case .object(let entry): return .array([.object(entry)])
        default: throw ValidationError("--authorization-details must be a JSON array of objects (or one object)")
        }
    }

    func run() async throws {
        let signingKey = try signRequest.map {
            try ClientOptions.signingKey(file: $0, kid: requestKeyId, algorithm: requestSigningAlg, kidOption: "--request-key-id")
        }
        let requestedClaims = try self.requestedClaims.map { try ClientOptions.json($0, named: "--claims") }
        let hint: UserHint =
            if let loginHint { .loginHint(loginHint) } else if let idTokenHint { .idTokenHint(idTokenHint) } else { .loginHintToken(loginHintToken ?? "") }
        let request = AuthenticationRequest(
            hint: hint, scopes: scope.split(separator: " ").map(String.init), bindingMessage: bindingMessage, userCode: userCode,
            requestedExpiry: requestedExpiry, acrValues: acrValues?.split(separator: " ").map(String.init) ?? [],
            authorizationDetails: try parsedAuthorizationDetails(), claims: requestedClaims)
        let credentials = try provider.credentials()
        let tlsIdentity = try provider.tlsIdentity()
        let trust = try provider.caFile.map(ClientOptions.read)
        let status = StatusLine(bindingMessage: bindingMessage)
        let animation = Task { await status.animate() }
        defer { animation.cancel() }
        let tokens: BackchannelTokens
        do throws(BackchannelClientError) {
            let client = try await BackchannelClient.discover(
                issuer: provider.issuer, clientId: provider.clientId, credentials: credentials, tlsIdentity: tlsIdentity,
                trustRootsPEM: trust, requestSigningKey: signingKey)
            if let listen {
                tokens = try await withNotificationEndpoint(host: listen.host, port: listen.port) { inbox throws(BackchannelClientError) in
                    try await client.authenticate(request, delivery: listen.push ? .push(inbox) : .ping(inbox))
                }
            } else {
                tokens = try await client.authenticate(request) { status.update($0) }
            }
        } catch {
            status.finish()
            FileHandle.standardError.write(Data("backchannel: \(TerminalText.safe("\(error)"))\n".utf8))
            throw ExitStatus.code(for: error)
        }
        status.finish()
        try ClientOptions.printJSON(idTokenClaims ? tokens.idTokenClaims : tokens.response)
    }

    /// Serves a notification endpoint on `host:port` while `body` runs.
    private func withNotificationEndpoint(
        host: String, port: Int, _ body: @escaping @Sendable (NotificationInbox) async throws(BackchannelClientError) -> BackchannelTokens
    ) async throws(BackchannelClientError) -> BackchannelTokens {
        let inbox = NotificationInbox()
        let router = Router()
        inbox.addRoute(to: router)
        let (ready, readyContinuation) = AsyncStream.makeStream(of: Bool.self)
        var logger = Logger(label: "backchannel.notifications")
        logger.logLevel = .warning
        let app = Application(
            router: router, configuration: .init(address: .hostname(host, port: port)),
            onServerRunning: { _ in readyContinuation.yield(true) }, logger: logger)
        // A service, stopped gracefully once the tokens are in: cancelling it would log an error for nothing.
        let services = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let outcome: Result<BackchannelTokens, BackchannelClientError>? = await withTaskGroup(of: Result<BackchannelTokens, BackchannelClientError>?.self) { group in
            group.addTask {
                do { try await services.run() } catch {}
                readyContinuation.yield(false)
                return nil
            }
            group.addTask {
                var listening = false
                for await running in ready {
                    listening = running
                    break
                }
                guard listening else {
                    return .failure(.transport("cannot listen for notifications on \(host):\(port) (in use, or not an address of this machine)"))
                }
                // The provider calls the endpoint it has on record, which this command cannot read: say what it must be.
                FileHandle.standardError.write(Data(
                    "listening on http://\(host):\(port)/ for the provider's notification: this client's registered backchannel_client_notification_endpoint must reach it\n".utf8))
                do throws(BackchannelClientError) {
                    return .success(try await body(inbox))
                } catch {
                    return .failure(error)
                }
            }
            let first = await group.next() ?? nil
            await services.triggerGracefulShutdown()
            while await group.next() != nil {}
            return first
        }
        guard let outcome else { throw .transport("the notification endpoint on \(host):\(port) stopped") }
        return try outcome.get()
    }
}
