import BackchannelCore
import BackchannelServer

/// What a host links: the plugins its configuration may name and the kinds of store it can open.
///
/// The host library itself knows none of them but the memory store; `backchanneld` registers the built-in
/// authenticators and both SQL stores (`HostComponents.builtIn()` in `BackchannelBuiltIns`), and an
/// integrator's host registers what it links, so it compiles nothing else:
///
/// ```swift
/// var components = HostComponents(stores: [PostgresStoreProvider()])
/// try components.plugins.register(MyAuthenticator.descriptor)
/// await BackchannelHostMain.run(components: components)
/// ```
public struct HostComponents: Sendable {
    /// The plugins the configuration's `authenticators` may name.
    public var plugins: PluginRegistry
    /// The kinds of store `store.kind` may name, by kind; `memory` always among them.
    public private(set) var stores: [String: any StoreProvider]

    /// Creates the components of a host: `plugins`, and `stores` besides the memory store.
    public init(plugins: PluginRegistry = PluginRegistry(), stores: [any StoreProvider] = []) {
        self.plugins = plugins
        self.stores = ["memory": MemoryStoreProvider()]
        for store in stores { register(store) }
    }

    /// Adds a kind of store (replacing one registered under the same kind).
    public mutating func register(_ store: any StoreProvider) {
        stores[store.kind] = store
    }
}
