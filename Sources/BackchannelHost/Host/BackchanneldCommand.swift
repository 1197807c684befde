import ArgumentParser

/// The command line of a server process: `serve` (the default, so `backchanneld --config FILE` serves) and
/// `users` (the `store` directory's users).
struct BackchanneldCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backchanneld",
        abstract: "Backchannel: an OpenID Connect CIBA (Client-Initiated Backchannel Authentication) server.",
        subcommands: [BackchannelServeCommand.self, UsersCommand.self],
        defaultSubcommand: BackchannelServeCommand.self)
}
