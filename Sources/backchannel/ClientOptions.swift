import ArgumentParser
import BackchannelClient
import BackchannelCore
import Foundation

/// The options that say which provider to talk to and how this client authenticates: shared by `login`,
/// `token` and `userinfo`.
struct ClientOptions: ParsableArguments {
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

    @Option(help: "Mutual TLS: the PEM file of this client's certificate (chain); alone it authenticates the client, beside a key or secret it binds the tokens.")
    var clientCertificate: String?

    @Option(help: "With --client-certificate: the PEM file of its private key.")
    var clientKey: String?

    @Option(help: "Also trust these CA certificates (PEM).")
    var caFile: String?

    func validate() throws {
        guard authMethod == "basic" || authMethod == "post" else { throw ValidationError("--auth-method is basic or post") }
        if (clientCertificate == nil) != (clientKey == nil) { throw ValidationError("give --client-certificate and --client-key together") }
        if privateKeyFile != nil {
            guard keyId != nil else { throw ValidationError("--private-key-file needs --key-id") }
            guard clientSecret == nil else { throw ValidationError("give --private-key-file or --client-secret, not both") }
            guard ClientAssertionKey.Algorithm(rawValue: keyAlgorithm) != nil else { throw ValidationError("--key-algorithm is ES256, PS256 or RS256") }
        } else if clientCertificate == nil {
            guard clientSecret ?? ProcessInfo.processInfo.environment["BACKCHANNEL_CLIENT_SECRET"] != nil || SecretPrompt.isAvailable else {
                throw ValidationError("give --client-secret or set BACKCHANNEL_CLIENT_SECRET, or --private-key-file")
            }
        }
    }

    /// A file's text, or a usage error naming it.
    static func read(_ path: String) throws -> String {
        do { return try String(contentsOfFile: path, encoding: .utf8) } catch { throw ValidationError("cannot read \(path)") }
    }

    /// The client's credentials: its private key, or its secret (given, from the environment, or asked for).
    func credentials() throws -> ClientCredentials {
        if let privateKeyFile, let keyId, let algorithm = ClientAssertionKey.Algorithm(rawValue: keyAlgorithm) {
            let pem = try Self.read(privateKeyFile)
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
    func tlsIdentity() throws -> ClientTLSIdentity? {
        guard let clientCertificate, let clientKey else { return nil }
        do {
            return try ClientTLSIdentity(certificateChainPEM: try Self.read(clientCertificate), privateKeyPEM: try Self.read(clientKey))
        } catch let error as ClientTLSIdentity.Invalid {
            throw ValidationError("\(clientCertificate), \(clientKey): \(error)")
        }
    }

    /// The client, from the provider's metadata; requests signed with `requestSigningKey` when given.
    func client(requestSigningKey: ClientAssertionKey? = nil) async throws -> BackchannelClient {
        let credentials = try credentials()
        let tlsIdentity = try tlsIdentity()
        let trust = try caFile.map(Self.read)
        return try await Self.reporting { () async throws(BackchannelClientError) -> BackchannelClient in
            try await BackchannelClient.discover(
                issuer: issuer, clientId: clientId, credentials: credentials, tlsIdentity: tlsIdentity, trustRootsPEM: trust,
                requestSigningKey: requestSigningKey)
        }
    }

    /// Runs `body`; a client error is printed (safely) and becomes the exit status.
    static func reporting<T>(_ body: () async throws(BackchannelClientError) -> T) async throws -> T {
        do throws(BackchannelClientError) {
            return try await body()
        } catch {
            FileHandle.standardError.write(Data("backchannel: \(TerminalText.safe("\(error)"))\n".utf8))
            throw ExitStatus.code(for: error)
        }
    }

    /// Prints a JSON value, pretty, keys sorted, control characters shown as code points.
    static func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(TerminalText.safe(String(decoding: try encoder.encode(value), as: UTF8.self)).replacingOccurrences(of: "\\u{a}", with: "\n"))
    }
}
