import BackchannelCore
import ConsoleCodeAuthenticator

/// The entry point `backchanneld` looks up in the library: the handshake, then the console-code
/// authenticator's two descriptors (its back channel and its page).
@_cdecl("backchannel_plugin_entry_v1")
public func backchannelPluginEntry(
    _ hostVersion: UInt32, _ hostToolchain: UnsafePointer<CChar>,
    _ pluginVersion: UnsafeMutablePointer<UInt32>, _ pluginToolchain: UnsafeMutablePointer<UnsafePointer<CChar>?>
) -> UnsafeMutableRawPointer? {
    BackchannelPluginLibrary.export(
        hostVersion: hostVersion, hostToolchain: hostToolchain, pluginVersion: pluginVersion, pluginToolchain: pluginToolchain
    ) {
        BackchannelPluginLibrary(
            backChannels: [ConsoleCodeAuthenticator.descriptor], frontChannels: [ConsoleCodeAuthenticator.pageDescriptor],
            directories: [CSVFileDirectory.descriptor])
    }
}
