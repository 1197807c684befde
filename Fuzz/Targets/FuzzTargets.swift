import BackchannelCore
import BackchannelBuiltIns
import BackchannelHost
import BackchannelServer
import Dispatch
import Foundation
import Logging

#if FUZZING
import CFuzzDriver
#endif

/// The fuzz targets: each takes arbitrary bytes, drives one input path of the server with them, and
/// traps when an invariant breaks. `Fuzz/run.sh` runs them under libFuzzer; `swift test` replays the
/// kept corpus and every crasher through the same functions.
public enum FuzzTargets {
    /// The targets by name, as `Fuzz/Corpus/<name>/` and the `fuzz-<name>` executables call them.
    public static let all: [String: @Sendable ([UInt8]) -> Void] = [
        "form": formDecoder, "basic": basicCredentials, "id-token-hint": idTokenHint, "config": configuration, "pages": pages,
    ]

    /// The `main` of the `fuzz-<target>` executables. Built by `Fuzz/run.sh` with `-sanitize=fuzzer
    /// -DFUZZING`, it runs libFuzzer's loop over `target`; built normally, it replays the files named on
    /// the command line.
    public static func main(target: String) throws {
        let run = all[target]!
        #if FUZZING
        prepare()
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        // libFuzzer's callback is a C function pointer: it cannot capture `run`, so it reads the target
        // from where this sets it.
        current = run
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            FuzzTargets.current!(Array(UnsafeBufferPointer(start: data, count: size)))
            return 0
        })
        #else
        for path in CommandLine.arguments.dropFirst() {
            run(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
        }
        #endif
    }

    #if FUZZING
    nonisolated(unsafe) private static var current: (@Sendable ([UInt8]) -> Void)?
    #endif

    /// Builds the shared server before the first input, so that its long-lived allocations are not
    /// reported as that input's leaks.
    public static func prepare() {
        _ = Fixture.shared
    }

    /// The form decoder: what decodes re-encodes to pairs that decode the same.
    public static func formDecoder(_ bytes: [UInt8]) {
        guard let pairs = try? FormURLEncoding.decode(bytes) else { return }
        let encoded = pairs.map { FormURLEncoding.escape($0.name) + "=" + FormURLEncoding.escape($0.value) }.joined(separator: "&")
        guard let again = try? FormURLEncoding.decode(Array(encoded.utf8)) else { fatalError("re-encoded form does not decode") }
        guard again.map(\.name) == pairs.map(\.name), again.map(\.value) == pairs.map(\.value) else { fatalError("form round trip differs") }
        let parameters = OAuthParameters(pairs)
        for pair in pairs.prefix(64) { _ = try? parameters.value(pair.name) }
    }

    /// Client authentication with an arbitrary `Authorization` header: only the right secret passes.
    public static func basicCredentials(_ bytes: [UInt8]) {
        let header = String(decoding: bytes, as: UTF8.self)
        let engine = Fixture.shared.engine
        let result = blocking {
            await engine.tokenRequest(
                OAuthParameters([("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", "x")]), authorization: header)
        }
        if case .failure(let error) = result {
            check(error)
            // Past client authentication, the unknown auth_req_id: the header must have held the right secret.
            if error.code == "invalid_grant" {
                let decoded = header.split(separator: " ").last.flatMap { Data(base64Encoded: String($0)) }.map { String(decoding: $0, as: UTF8.self) }
                guard decoded?.hasSuffix(Fixture.secret) == true || decoded?.hasSuffix(FormURLEncoding.escape(Fixture.secret)) == true
                else { fatalError("authenticated without the secret: \(header)") }
            }
        }
    }

    /// An arbitrary `id_token_hint`: refused with `invalid_request` unless this server signed it.
    public static func idTokenHint(_ bytes: [UInt8]) {
        let hint = String(decoding: bytes, as: UTF8.self)
        let engine = Fixture.shared.engine
        let result = blocking {
            await engine.authenticationRequest(
                OAuthParameters([("scope", "openid"), ("id_token_hint", hint)]), authorization: Fixture.authorization)
        }
        switch result {
        case .success: fatalError("an arbitrary id_token_hint was accepted: \(hint)")
        case .failure(let error): check(error)
        }
    }

    /// An arbitrary configuration file, as YAML and as JSON: a configuration or a ConfigurationError.
    public static func configuration(_ bytes: [UInt8]) {
        for json in [false, true] {
            do {
                _ = try ConfigurationLoader.parse(Data(bytes), json: json)
            } catch {
                guard !error.description.isEmpty else { fatalError("an empty configuration error") }
            }
        }
    }

    /// A front-channel page request built from the bytes: page, method, query, form and cookies.
    public static func pages(_ bytes: [UInt8]) {
        guard let selector = bytes.first else { return }
        let parts = bytes.dropFirst().split(separator: 0x0A, maxSplits: 3, omittingEmptySubsequences: false).map(Array.init)
        func part(_ index: Int) -> [UInt8] { index < parts.count ? parts[index] : [] }
        let path = String(decoding: part(0), as: UTF8.self)
        let query = (try? FormURLEncoding.decode(part(1))) ?? []
        let form = (try? FormURLEncoding.decode(part(2))) ?? []
        var cookies: [String: String] = [:]
        for piece in String(decoding: part(3), as: UTF8.self).split(separator: ";").prefix(50) {
            let pair = piece.split(separator: "=", maxSplits: 1)
            if pair.count == 2 { cookies[pair[0].trimmingCharacters(in: .whitespaces)] = String(pair[1]) }
        }
        let instances = Fixture.shared.engine.authenticatorInstances.filter { $0.interaction != nil }
        let interaction = instances[Int(selector) % instances.count].interaction!
        let request = FrontChannelRequest(
            method: selector & 0x80 == 0 ? .get : .post, path: path, query: query, form: form, cookies: cookies)
        let response = blocking { await interaction.respond(to: request) }
        guard (200..<600).contains(response.status) else { fatalError("page status \(response.status)") }
        if response.contentType.hasPrefix("text/html") {
            for (_, value) in query + form where value.contains("<script") {
                guard !response.body.contains(value) else { fatalError("page reflected markup unescaped") }
            }
        }
    }

    /// Every error the engine answers is one of the codes it defines, with a description in RFC 6749's
    /// character set that echoes nothing.
    private static func check(_ error: OAuthError) {
        let allowed = error.errorDescription.unicodeScalars.allSatisfy {
            $0.value == 0x20 || $0.value == 0x21 || (0x23...0x5B).contains($0.value) || (0x5D...0x7E).contains($0.value)
        }
        guard allowed, error.code != "server_error" else { fatalError("bad error: \(error)") }
    }

    /// Runs async work to completion from libFuzzer's synchronous entry point. The caller's thread must
    /// not be one of Swift concurrency's (it blocks): libFuzzer calls from its own, and the replay test
    /// runs inputs on a thread of their own.
    private static func blocking<T: Sendable>(_ work: @escaping @Sendable () async -> T) -> T {
        let done = DispatchSemaphore(value: 0)
        let box = Box<T>()
        Task {
            box.value = await work()
            done.signal()
        }
        done.wait()
        return box.value!
    }

    private final class Box<T>: @unchecked Sendable {
        var value: T?
    }

    /// One server for every input: the three authenticators, in memory, limits off (a fuzzer's thousands of
    /// requests for one user are not what is under test here).
    final class Fixture: Sendable {
        static let secret = "fuzz-client-secret-0042"
        static let authorization = "Basic " + Data("console:\(secret)".utf8).base64EncodedString()
        static let shared = Fixture()
        let engine: BackchannelEngine

        private init() {
            var configuration = BackchanneldConfiguration(
                clients: [ClientConfiguration(clientId: "console", clientSecret: Self.secret)],
                authenticators: [
                    AuthenticatorSettings(plugin: "mock-push", configuration: .object(["users": .object(["carol": .object(["action": .string("silent")])])])),
                    AuthenticatorSettings(
                        plugin: "sms",
                        configuration: .object([
                            "provider": .string("webhook"), "url": .string("http://127.0.0.1:9/sms"), "from": .string("Fuzz"),
                            "max_retries": .integer(0),
                        ])),
                    AuthenticatorSettings(
                        plugin: "email",
                        configuration: .object([
                            "smtp": .object(["host": .string("127.0.0.1"), "port": .integer(9), "security": .string("none")]),
                            "from": .string("login@example.com"), "require_code": .bool(true),
                        ])),
                ],
                users: [DirectoryUser(subject: "carol", phoneNumber: "+15550100", email: "carol@example.com")])
            configuration.store = StoreSettings(kind: .memory)
            configuration.policy.limits.enabled = false
            var quiet = Logger(label: "fuzz")
            quiet.logLevel = .critical
            let (settings, logger) = (configuration, quiet)
            let assembled = FuzzTargets.blocking { try? await ServerAssembly.assemble(settings, components: (try? HostComponents.builtIn()) ?? HostComponents(), dataDirectory: nil, logger: logger).engine }
            guard let assembled else { fatalError("the fuzz fixture's configuration is refused") }
            engine = assembled
            // A pending request for each authenticator, so the pages have something to find.
            for acr in ["mock-push", "sms", "email"] {
                _ = FuzzTargets.blocking {
                    await assembled.authenticationRequest(
                        OAuthParameters([("scope", "openid"), ("login_hint", "carol"), ("acr_values", acr)]), authorization: Self.authorization)
                }
            }
        }
    }
}
