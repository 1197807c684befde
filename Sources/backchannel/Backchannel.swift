import ArgumentParser

/// `backchannel`: the command-line CIBA client.
@main
struct Backchannel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backchannel",
        abstract: "A command-line client for OpenID Connect CIBA providers.",
        subcommands: [Login.self, Token.self, Userinfo.self, Discover.self, Device.self]
    )
}
