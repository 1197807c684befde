import ArgumentParser
import BackchannelClient
import BackchannelCore
import Foundation

/// `backchannel token`: what a client does with its tokens after the authentication.
struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Refresh, revoke or introspect a token.", discussion: ExitStatus.help, subcommands: [Refresh.self, Revoke.self, Introspect.self])

    struct Refresh: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Exchange a refresh token (rotated: the printed one replaces it).")

        @OptionGroup var provider: ClientOptions

        @Option(help: "The refresh token.")
        var refreshToken: String

        @Option(help: "A narrower scope, space-separated.")
        var scope: String?

        @Option(help: ArgumentHelp("Narrower authorization details: JSON, or @FILE.", valueName: "json|@file"))
        var authorizationDetails: String?

        func run() async throws {
            let client = try await provider.client()
            let details = try authorizationDetails.map { try ClientOptions.json($0, named: "--authorization-details") }
            let scopes = scope.map { $0.split(separator: " ").map(String.init) }
            let tokens = try await ClientOptions.reporting { () async throws(BackchannelClientError) -> BackchannelTokens in
                try await client.refresh(refreshToken, scopes: scopes, authorizationDetails: details)
            }
            try ClientOptions.printJSON(tokens.response)
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an access or refresh token (a refresh token with its whole grant).")

        @OptionGroup var provider: ClientOptions

        @Option(help: "The token.")
        var token: String

        @Option(help: "access_token or refresh_token.")
        var tokenTypeHint: String?

        func run() async throws {
            let client = try await provider.client()
            try await ClientOptions.reporting { () async throws(BackchannelClientError) in try await client.revoke(token, hint: tokenTypeHint) }
            print("revoked")
        }
    }

    struct Introspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Ask the provider whether an access token is active, and what it grants.")

        @OptionGroup var provider: ClientOptions

        @Option(help: "The token.")
        var token: String

        func run() async throws {
            let client = try await provider.client()
            let answer = try await ClientOptions.reporting { () async throws(BackchannelClientError) -> [String: JSONValue] in
                try await client.introspect(token)
            }
            try ClientOptions.printJSON(answer)
        }
    }
}

/// `backchannel userinfo`: the user's claims, with an access token.
struct Userinfo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the user's claims from the UserInfo endpoint (over the client certificate, for bound tokens).", discussion: ExitStatus.help)

    @OptionGroup var provider: ClientOptions

    @Option(help: "The access token.")
    var accessToken: String

    func run() async throws {
        let client = try await provider.client()
        let claims = try await ClientOptions.reporting { () async throws(BackchannelClientError) -> [String: JSONValue] in
            try await client.userinfo(accessToken: accessToken)
        }
        try ClientOptions.printJSON(claims)
    }
}
