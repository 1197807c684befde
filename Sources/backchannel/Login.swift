import ArgumentParser
import BackchannelClient
import BackchannelClientHummingbird
import BackchannelCore
import Foundation
import Hummingbird
import Logging

/// `backchannel login`: authenticates a user through a CIBA provider and prints the tokens.
struct Login: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask a provider to authenticate a user on their own device, wait for them, print the tokens.",
        discussion: ExitStatus.help
    )

    @Option(help: "The provider's issuer URL.")
    var issuer: String

    @Option(help: "This client's client_id.")
    var clientId: String

    @Option(help: "This client's secret. Without it the secret comes from BACKCHANNEL_CLIENT_SECRET, or is asked for (without echo) on a terminal.")
    var clientSecret: String?

    @Option(help: "How to send the secret: basic (client_secret_basic) or post (client_secret_post).")
    var authMethod: String = "basic"

    @Option(help: "Authenticate with private_key_jwt instead of a secret: the PEM file of the client's private key.")
    var privateKeyFile: String?

    @Option(help: "With --private-key-file: the kid its public key is registered under.")
    var keyId: String?

    @Option(help: "With --private-key-file: the signature algorithm, ES256, PS256 or RS256.")
    var keyAlgorithm: String = "ES256"

    @Option(help: "Mutual TLS: the PEM file of this client's certificate (chain). Alone, it authenticates the client (tls_client_auth, self_signed_tls_client_auth); beside --private-key-file or a secret, the provider binds the tokens to it.")
    var clientCertificate: String?

    @Option(help: "With --client-certificate: the PEM file of its private key.")
    var clientKey: String?

    @Option(help: "Certificate authorities (PEM) to trust for the provider's own certificate, beyond the system's.")
    var caFile: String?

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
        "What the user is to approve (RFC 9396 authorization_details): a JSON array, inline or @FILE.", valueName: "json|@file"))
    var authorizationDetails: String?

    @Flag(help: "Print the verified ID token's claims instead of the token response.")
    var claims = false

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
        guard authMethod == "basic" || authMethod == "post" else { throw ValidationError("--auth-method is basic or post") }
        if (clientCertificate == nil) != (clientKey == nil) { throw ValidationError("give --client-certificate and --client-key together") }
        if caFile != nil, clientCertificate == nil { throw ValidationError("--ca-file goes with --client-certificate") }
        if privateKeyFile != nil {
            guard keyId != nil else { throw ValidationError("--private-key-file needs --key-id") }
            guard clientSecret == nil else { throw ValidationError("give --private-key-file or --client-secret, not both") }
            guard ClientAssertionKey.Algorithm(rawValue: keyAlgorithm) != nil else { throw ValidationError("--key-algorithm is ES256, PS256 or RS256") }
        } else if clientCertificate == nil {
            guard clientSecret ?? ProcessInfo.processInfo.environment["BACKCHANNEL_CLIENT_SECRET"] != nil || SecretPrompt.isAvailable else {
                throw ValidationError("give --client-secret or set BACKCHANNEL_CLIENT_SECRET, or --private-key-file")
            }
        }
        if let requestedExpiry, requestedExpiry <= 0 { throw ValidationError("--requested-expiry must be positive") }
        if pingListen != nil, pushListen != nil { throw ValidationError("give --ping-listen or --push-listen, not both") }
        if pingListen != nil || pushListen != nil, listen == nil { throw ValidationError("--ping-listen and --push-listen take HOST:PORT") }
    }

    /// `--authorization-details` as JSON: inline, or read from the file after `@`; one object is an array of one.
    private func parsedAuthorizationDetails() throws -> JSONValue? {
        guard let authorizationDetails else { return nil }
        let text: String
        if authorizationDetails.hasPrefix("@") {
            let path = String(authorizationDetails.dropFirst())
            do { text = try String(contentsOfFile: path, encoding: .utf8) } catch { throw ValidationError("cannot read \(path)") }
        } else {
            text = authorizationDetails
        }
        switch try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) {
        case .array(let entries)?: return .array(entries)
        case .object(let entry)?: return .array([.object(entry)])
        default: throw ValidationError("--authorization-details must be a JSON array of objects (or one object)")
        }
    }

    /// The client's credentials: its private key, or its secret (given, from the environment, or asked for).
    private func credentials() throws -> ClientCredentials {
        if let privateKeyFile, let keyId, let algorithm = ClientAssertionKey.Algorithm(rawValue: keyAlgorithm) {
            let pem: String
            do {
                pem = try String(contentsOfFile: privateKeyFile, encoding: .utf8)
            } catch {
                throw ValidationError("cannot read \(privateKeyFile)")
            }
            do {
                return .privateKeyJWT(try ClientAssertionKey(pem: pem, kid: keyId, algorithm: algorithm))
            } catch {
                throw ValidationError("\(privateKeyFile) is \(error)")
            }
        }
        // A certificate alone authenticates the client; with a secret it only binds the tokens.
        if clientCertificate != nil, clientSecret == nil, ProcessInfo.processInfo.environment["BACKCHANNEL_CLIENT_SECRET"] == nil { return .mutualTLS }
        guard let secret = clientSecret ?? ProcessInfo.processInfo.environment["BACKCHANNEL_CLIENT_SECRET"] ?? SecretPrompt.read("Client secret for \(clientId): ")
        else {
            throw ValidationError("no client secret was given")
        }
        return authMethod == "post" ? .clientSecretPost(secret: secret) : .clientSecretBasic(secret: secret)
    }

    /// The certificate to present over mutual TLS, if one was given.
    private func tlsIdentity() throws -> ClientTLSIdentity? {
        guard let clientCertificate, let clientKey else { return nil }
        func read(_ path: String) throws -> String {
            do { return try String(contentsOfFile: path, encoding: .utf8) } catch { throw ValidationError("cannot read \(path)") }
        }
        do {
            return try ClientTLSIdentity(
                certificateChainPEM: try read(clientCertificate), privateKeyPEM: try read(clientKey), trustRootsPEM: try caFile.map(read))
        } catch let error as ClientTLSIdentity.Invalid {
            throw ValidationError("\(clientCertificate), \(clientKey): \(error)")
        }
    }

    func run() async throws {
        let credentials = try credentials()
        let tlsIdentity = try tlsIdentity()
        let hint: UserHint =
            if let loginHint { .loginHint(loginHint) } else if let idTokenHint { .idTokenHint(idTokenHint) } else { .loginHintToken(loginHintToken ?? "") }
        let request = AuthenticationRequest(
            hint: hint, scopes: scope.split(separator: " ").map(String.init), bindingMessage: bindingMessage, userCode: userCode,
            requestedExpiry: requestedExpiry, acrValues: acrValues?.split(separator: " ").map(String.init) ?? [],
            authorizationDetails: try parsedAuthorizationDetails())
        let status = StatusLine(bindingMessage: bindingMessage)
        let animation = Task { await status.animate() }
        defer { animation.cancel() }
        let tokens: BackchannelTokens
        do throws(BackchannelClientError) {
            let client = try await BackchannelClient.discover(
                issuer: issuer, clientId: clientId, credentials: credentials, tlsIdentity: tlsIdentity)
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
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let output = try encoder.encode(claims ? tokens.idTokenClaims : tokens.response)
        print(String(decoding: output, as: UTF8.self))
    }

    /// Serves a notification endpoint on `host:port` while `body` runs.
    private func withNotificationEndpoint(
        host: String, port: Int, _ body: (NotificationInbox) async throws(BackchannelClientError) -> BackchannelTokens
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
        let server = Task {
            do { try await app.run() } catch {}
            readyContinuation.yield(false)
        }
        defer { server.cancel() }
        var listening = false
        for await running in ready {
            listening = running
            break
        }
        guard listening else { throw .transport("cannot listen for notifications on \(host):\(port) (in use, or not an address of this machine)") }
        return try await body(inbox)
    }
}
