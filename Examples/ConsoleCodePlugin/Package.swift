// swift-tools-version:6.1
import PackageDescription

// The README's console-code authenticator as a binary plugin: a shared library the stock backchanneld loads
// from its plugins_dir, no rebuild of the server. It depends on the plugin API alone, as the dynamic library
// BackchannelPluginAPI (linked statically, its types would be copies the server does not know).
//
//   swift build -c release --package-path Examples/ConsoleCodePlugin
//   → Examples/ConsoleCodePlugin/.build/release/libConsoleCodePlugin.so
let package = Package(
    name: "ConsoleCodePlugin",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ConsoleCodePlugin", type: .dynamic, targets: ["ConsoleCodePlugin"])
    ],
    dependencies: [
        .package(name: "backchannel", path: "../..")
    ],
    targets: [
        .target(
            name: "ConsoleCodePlugin",
            dependencies: [.product(name: "BackchannelPluginAPI", package: "backchannel")]
        )
    ],
    swiftLanguageModes: [.v6]
)
