import BackchannelHost
import ConsoleCodeAuthenticator

/// An integrator's own server: the built-in authenticators plus README's `ConsoleCodeAuthenticator`,
/// which the stock `backchanneld` does not link. `swift run CustomHost --config Examples/CustomHost/backchannel.yaml`
@main
enum CustomHost {
    static func main() async throws {
        var registry = try ServerAssembly.builtInRegistry()
        try registry.register(ConsoleCodeAuthenticator.descriptor)
        try registry.register(ConsoleCodeAuthenticator.pageDescriptor)
        await BackchannelHostMain.run(registry: registry)
    }
}
