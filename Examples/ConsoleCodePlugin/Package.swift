// swift-tools-version:6.1
import Foundation
import PackageDescription

// The README's console-code authenticator as a binary plugin: a shared library the stock backchanneld loads
// from its plugins_dir, no rebuild of the server. It depends on the plugin API alone, as the dynamic library
// BackchannelPluginAPI (linked statically, its types would be copies the server does not know).
//
//   swift build -c release --package-path Examples/ConsoleCodePlugin
//   → .build/release/libConsoleCodePlugin.so
//
// Copy this directory anywhere to start a plugin of your own: outside the Backchannel repository it depends
// on a release of Backchannel (the URL below); inside it, on the repository it sits in.
let insideRepository = FileManager.default.fileExists(atPath: Context.packageDirectory + "/../../Sources/BackchannelCore")
let backchannel: Package.Dependency =
    insideRepository
    ? .package(name: "backchannel", path: "../..")
    : .package(url: "https://github.com/backchannel-project/backchannel.git", from: "1.0.0")

let package = Package(
    name: "ConsoleCodePlugin",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ConsoleCodePlugin", type: .dynamic, targets: ["ConsoleCodePlugin"])
    ],
    dependencies: [backchannel],
    targets: [
        // The authenticator itself; the Backchannel repository also compiles this directory into its own
        // tests and its custom host example.
        .target(
            name: "ConsoleCodeAuthenticator",
            dependencies: [.product(name: "BackchannelPluginAPI", package: "backchannel")]
        ),
        // The library's entry point: the handshake and the descriptors.
        .target(
            name: "ConsoleCodePlugin",
            dependencies: ["ConsoleCodeAuthenticator", .product(name: "BackchannelPluginAPI", package: "backchannel")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
