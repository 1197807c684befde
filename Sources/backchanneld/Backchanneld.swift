import BackchannelHost

/// `backchanneld`: the Backchannel CIBA OpenID Provider with the built-in authenticators.
@main
enum Backchanneld {
    static func main() async throws {
        await BackchannelHostMain.run(registry: try ServerAssembly.builtInRegistry())
    }
}
