import BackchannelCore
import BackchannelHost
import BackchannelPostgres
import BackchannelSQLite
import EmailAuthenticator
import LDAPDirectory
import SCIMDirectory
import MockPushAuthenticator
import PushAuthenticator
import SMSAuthenticator

extension HostComponents {
    /// What the stock `backchanneld` links: the authenticators `mock-push`, `sms`, `email` and `push`, each with
    /// its front channel, the `ldap` and `scim` directories, and the `sqlite` and `postgres` stores besides `memory`. Add your own plugins to it
    /// for a server that serves the built-ins and yours; start from `HostComponents()` to link only yours.
    public static func builtIn() throws(PluginRegistryError) -> HostComponents {
        var registry = PluginRegistry()
        try registry.register(MockPushAuthenticator.descriptor)
        try registry.register(MockPushAuthenticator.pageDescriptor)
        try registry.register(SMSAuthenticator.descriptor)
        try registry.register(SMSAuthenticator.pageDescriptor)
        try registry.register(EmailAuthenticator.descriptor)
        try registry.register(EmailAuthenticator.pageDescriptor)
        try registry.register(PushAuthenticator.descriptor)
        try registry.register(PushAuthenticator.deviceAPIDescriptor)
        try registry.register(LDAPDirectory.descriptor)
        try registry.register(SCIMDirectory.descriptor)
        return HostComponents(plugins: registry, stores: [SQLiteStoreProvider(), PostgresStoreProvider()])
    }
}
