import BackchannelBuiltIns
import BackchannelHost

/// `backchanneld`: the Backchannel CIBA OpenID Provider with the built-in authenticators and stores.
@main
enum Backchanneld {
    static func main() async throws {
        await BackchannelHostMain.run(components: try .builtIn())
    }
}
