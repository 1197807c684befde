import ArgumentParser
import BackchannelClient
import BackchannelClientHummingbird
import BackchannelCore
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// An agent that needs a user's approval for one concrete action: it asks the provider to have the user approve
/// a payment (RFC 9396 authorization details) on their own device, waits for the provider's ping (CIBA ping
/// mode) while the user decides, then collects the tokens and prints what the access token says was approved.
///
/// Run `swift run backchanneld` in one terminal and `swift run AgentApproval alice` in another: the demo's
/// `demo-agent` client is registered in ping mode with its notification endpoint at http://127.0.0.1:9797/ciba/ping,
/// and may ask for `payment_initiation` approvals waiting up to a day.
@main
struct AgentApproval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "AgentApproval",
        abstract: "Ask a user to approve a payment on their device, wait for the ping, print what was approved.",
        discussion: "Exit status: 0 when the payment is approved; 1 when it is declined, not answered in time, or the provider cannot be reached.")

    private static let environment = ProcessInfo.processInfo.environment

    @Argument(help: "The user who approves: a login hint the provider knows.")
    var user: String = "alice"

    @Option(help: "The provider's issuer URL; $BACKCHANNEL_ISSUER when set.")
    var issuer: String = environment["BACKCHANNEL_ISSUER"] ?? "http://127.0.0.1:8080"

    @Option(name: .customLong("client-id"), help: "The agent's client_id (registered in ping mode).")
    var clientId: String = "demo-agent"

    @Option(name: .customLong("client-secret"), help: "Its client_secret (default: $BACKCHANNEL_CLIENT_SECRET, else demo-agent-secret).")
    var clientSecret: String?

    @Option(help: ArgumentHelp("Where the provider's ping arrives: the client's registered notification endpoint.", valueName: "host:port"))
    var listen: String = "127.0.0.1:9797"

    @Option(help: "The amount to pay, a decimal.")
    var amount: String = "250.00"

    @Option(help: "The currency, ISO 4217.")
    var currency: String = "EUR"

    @Option(help: "Who is paid.")
    var creditor: String = "ACME Ltd"

    @Option(help: "The creditor's IBAN.")
    var iban: String = "DE02100100109307118603"

    @Option(help: "How long the user may take to decide, in seconds (the demo agent may wait up to a day).")
    var wait: Int = 3600

    /// The payment, as RFC 9396 §2 writes it.
    struct Payment: Codable {
        struct Amount: Codable { var currency: String; var amount: String }
        struct Account: Codable { var iban: String }
        var type = "payment_initiation"
        var instructedAmount: Amount
        var creditorName: String
        var creditorAccount: Account
    }

    func run() async throws {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else {
            throw ValidationError("--listen takes HOST:PORT")
        }
        let host = String(listen[..<colon])
        let payment = Payment(
            instructedAmount: .init(currency: currency, amount: amount), creditorName: creditor, creditorAccount: .init(iban: iban))
        let secret = clientSecret ?? Self.environment["BACKCHANNEL_CLIENT_SECRET"] ?? "demo-agent-secret"

        // The notification endpoint: the provider pings it when the user has decided.
        let inbox = NotificationInbox()
        let router = Router()
        inbox.addRoute(to: router, path: "/ciba/ping")
        var logger = Logger(label: "agent.notifications")
        logger.logLevel = .warning
        let (running, runningContinuation) = AsyncStream.makeStream(of: Void.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname(host, port: port)), onServerRunning: { _ in runningContinuation.yield() },
            logger: logger)

        // The endpoint runs as a service, so it stops gracefully once the approval is settled.
        let services = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let approved = try await withThrowingTaskGroup(of: Bool?.self) { group in
            group.addTask {
                try await services.run()
                return nil
            }
            group.addTask {
                for await _ in running { break }
                return try await approve(payment, inbox: inbox, secret: secret)
            }
            // The first to finish decides: the approval's outcome, or an endpoint that could not listen.
            let outcome = try await group.next() ?? nil
            await services.triggerGracefulShutdown()
            while try await group.next() != nil {}
            return outcome ?? false
        }
        if !approved { throw ExitCode.failure }
    }

    /// Asks for the approval and waits for the ping; prints what the access token says was approved.
    private func approve(_ payment: Payment, inbox: NotificationInbox, secret: String) async throws -> Bool {
        let request = AuthenticationRequest(
            hint: .loginHint(user), bindingMessage: "Agent payment", requestedExpiry: wait,
            authorizationDetails: try AuthenticationRequest.authorizationDetails([payment]))
        let tokens: BackchannelTokens
        do throws(BackchannelClientError) {
            let client = try await BackchannelClient.discover(issuer: issuer, clientId: clientId, credentials: .clientSecretBasic(secret: secret))
            print("Asking \(user) to approve: pay \(payment.instructedAmount.amount) \(payment.instructedAmount.currency) to \(payment.creditorName).")
            print("Waiting for the provider's ping on http://\(listen)/ciba/ping …")
            tokens = try await client.authenticate(request, delivery: .ping(inbox))
        } catch {
            switch error {
            case .oauth(.accessDenied, _, _): print("\(user) declined the payment.")
            case .expired: print("\(user) did not answer in time.")
            default: print("The approval failed: \(error)")
            }
            return false
        }
        // What the resource server will read: the access token's own authorization_details claim.
        let claims = try Self.payload(of: tokens.accessToken)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let approvedDetails = try encoder.encode(claims["authorization_details"] ?? .null)
        print("Approved by \(tokens.subject). The access token carries:")
        print(String(decoding: approvedDetails, as: UTF8.self))
        return true
    }

    /// The claims of a JWT, unverified: the client only shows them (the resource server verifies the token).
    private static func payload(of jwt: String) throws -> [String: JSONValue] {
        let parts = jwt.split(separator: ".")
        guard parts.count == 3, let data = Base64URL.decode(String(parts[1])) else { throw ValidationError("the access token is not a JWT") }
        return try JSONDecoder().decode([String: JSONValue].self, from: data)
    }
}
