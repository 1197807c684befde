import BackchannelHost
import BackchannelPostgres
import ConsoleCodeAuthenticator

/// An integrator's own server: README's `ConsoleCodeAuthenticator`, which the stock `backchanneld` does not link,
/// on PostgreSQL (or memory, as its demo configuration asks), and nothing else: it compiles neither SQLite nor
/// the built-in authenticators. `swift run CustomHost --config Examples/CustomHost/backchannel.yaml`
@main
enum CustomHost {
    static func main() async throws {
        var components = HostComponents(stores: [PostgresStoreProvider()])
        try components.plugins.register(ConsoleCodeAuthenticator.descriptor)
        try components.plugins.register(ConsoleCodeAuthenticator.pageDescriptor)
        // A directory of its own: `directory: { plugin: csv, configuration: { file: … } }`.
        try components.plugins.register(CSVFileDirectory.descriptor)
        await BackchannelHostMain.run(components: components)
    }
}
