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

    @Option(help: "Authenticate with private_key_jwt: the client's private key, a PEM or JWK file.")
    var privateKeyFile: String?

    @Option(help: "With a PEM --private-key-file: its registered kid.")
    var keyId: String?

    @Option(help: "ES256, PS256 or RS256 (default: from the key).")
    var keyAlgorithm: String?

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
            guard clientSecret == nil else { throw ValidationError("give --private-key-file or --client-secret, not both") }
            if let keyAlgorithm, ClientAssertionKey.Algorithm(rawValue: keyAlgorithm) == nil {
                throw ValidationError("--key-algorithm is ES256, PS256 or RS256")
            }
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

    /// A JSON option's value: inline, or read from the file after `@`.
    static func json(_ option: String, named name: String) throws -> JSONValue {
        let text = option.hasPrefix("@") ? try read(String(option.dropFirst())) : option
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else { throw ValidationError("\(name) is not JSON") }
        return value
    }

    /// A signing key from a file: a private JWK (its own kid), or a PEM private key registered under `kid`.
    static func signingKey(file: String, kid: String?, algorithm: String?, kidOption: String) throws -> ClientAssertionKey {
        let text = try read(file)
        let chosen = algorithm.flatMap(ClientAssertionKey.Algorithm.init(rawValue:))
        do {
            if text.drop(while: \.isWhitespace).first == "{" { return try ClientAssertionKey(jwk: text, algorithm: chosen) }
            guard let kid else { throw ValidationError("\(file) is a PEM key: give \(kidOption), the kid it is registered under") }
            // Unnamed, the key's kind decides: ES256 for an EC key, PS256 (FAPI's RSA algorithm) for an RSA key.
            if let chosen { return try ClientAssertionKey(pem: text, kid: kid, algorithm: chosen) }
            if let es256 = try? ClientAssertionKey(pem: text, kid: kid, algorithm: .es256) { return es256 }
            return try ClientAssertionKey(pem: text, kid: kid, algorithm: .ps256)
        } catch let error as ClientAssertionKey.Invalid {
            throw ValidationError("\(file) is \(error)")
        }
    }

    /// The client's credentials: its private key, or its secret (given, from the environment, or asked for).
    func credentials() throws -> ClientCredentials {
        if let privateKeyFile {
            return .privateKeyJWT(try Self.signingKey(file: privateKeyFile, kid: keyId, algorithm: keyAlgorithm, kidOption: "--key-id"))
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
