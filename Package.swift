// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "backchannel",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "BackchannelCore", targets: ["BackchannelCore"]),
        // The plugin API as a shared library, for binary plugins the stock backchanneld loads (plugins_dir):
        // a plugin links it dynamically, so its types are the server's.
        .library(name: "BackchannelPluginAPI", type: .dynamic, targets: ["BackchannelCore"]),
        .library(name: "BackchannelServer", targets: ["BackchannelServer"]),
        .library(name: "BackchannelHTTP", targets: ["BackchannelHTTP"]),
        .library(name: "BackchannelTesting", targets: ["BackchannelTesting"]),
        .library(name: "MockPushAuthenticator", targets: ["MockPushAuthenticator"]),
        .library(name: "SMSAuthenticator", targets: ["SMSAuthenticator"]),
        .library(name: "PushAuthenticator", targets: ["PushAuthenticator"]),
        .library(name: "EmailAuthenticator", targets: ["EmailAuthenticator"]),
        .library(name: "BackchannelClient", targets: ["BackchannelClient"]),
        .library(name: "BackchannelClientHummingbird", targets: ["BackchannelClientHummingbird"]),
        .library(name: "BackchannelSQLite", targets: ["BackchannelSQLite"]),
        .library(name: "BackchannelPostgres", targets: ["BackchannelPostgres"]),
        .library(name: "BackchannelHost", targets: ["BackchannelHost"]),
        .library(name: "BackchannelBuiltIns", targets: ["BackchannelBuiltIns"]),
        .library(name: "LDAPDirectory", targets: ["LDAPDirectory"]),
        .library(name: "SCIMDirectory", targets: ["SCIMDirectory"]),
        .executable(name: "backchanneld", targets: ["backchanneld"]),
        .executable(name: "backchannel", targets: ["backchannel"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        // OTLP over HTTP only: the gRPC exporter would bring grpc-swift and HTTP/2 for nothing we use.
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        // The plugin API: what an authenticator author implements and a host registers.
        .target(
            name: "BackchannelCore",
            dependencies: [.product(name: "Logging", package: "swift-log"), .product(name: "Crypto", package: "swift-crypto")],
            // Built for library evolution, so a binary plugin compiled against 1.x loads into a server of any later
            // 1.y (same compiler): new requirements with defaults and new fields do not shift what the plugin
            // compiled against.
            swiftSettings: [.unsafeFlags(["-enable-library-evolution"])]
        ),
        // The CIBA protocol engine, free of any HTTP framework.
        .target(
            name: "BackchannelServer",
            dependencies: [
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Mustache", package: "swift-mustache"),
                "BackchannelCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        // The embedded default store: one SQLite file in WAL mode.
        .target(
            name: "BackchannelSQLite",
            dependencies: [
                "BackchannelCore",
                "BackchannelServer",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The shared store for several server processes.
        .target(
            name: "BackchannelPostgres",
            dependencies: [
                "BackchannelCore",
                "BackchannelServer",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The outbound HTTP client a host lends plugins (AsyncHTTPClient under the server's rules).
        .target(
            name: "BackchannelOutbound",
            dependencies: [
                "BackchannelCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        // The Hummingbird 2 adapter.
        .target(
            name: "BackchannelHTTP",
            dependencies: [
                "BackchannelCore",
                "BackchannelServer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
        // Serves a client's notification endpoint with Hummingbird.
        .target(
            name: "BackchannelClientHummingbird",
            dependencies: ["BackchannelClient", .product(name: "Hummingbird", package: "hummingbird")]
        ),
        // The client library: discovery, initiate, poll, ping and push, verified tokens.
        .target(
            name: "BackchannelClient",
            dependencies: [
                "BackchannelCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The command-line client.
        .executableTarget(
            name: "backchannel",
            dependencies: [
                "BackchannelClient",
                "BackchannelClientHummingbird",
                "BackchannelCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // What plugin authors and integrators use in their own tests.
        .target(
            name: "BackchannelTesting",
            dependencies: [
                "BackchannelCore", "BackchannelOutbound", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "MockPushAuthenticator",
            dependencies: [
                "BackchannelCore",
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            path: "Plugins/MockPushAuthenticator"
        ),
        .target(
            name: "SMSAuthenticator",
            dependencies: [
                "BackchannelCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            path: "Plugins/SMSAuthenticator"
        ),
        // OpenLDAP's client library (Debian's libldap-dev), for the LDAP directory.
        .systemLibrary(name: "CLDAP", path: "Sources/CLDAP", pkgConfig: "ldap", providers: [.apt(["libldap-dev"])]),
        // Users in OpenLDAP or Active Directory.
        .target(
            name: "LDAPDirectory",
            dependencies: [
                "BackchannelCore", "CLDAP",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Plugins/LDAPDirectory"
        ),
        // SCIM 2.0 User resources: what an import reads and the SCIM directory asks for.
        .target(name: "BackchannelSCIM", dependencies: ["BackchannelCore"]),
        // Users of a SCIM 2.0 service.
        .target(name: "SCIMDirectory", dependencies: ["BackchannelCore", "BackchannelSCIM"], path: "Plugins/SCIMDirectory"),
        // Enrolled phones: FCM and APNs pushes, signed answers, number matching.
        .target(
            name: "PushAuthenticator",
            dependencies: [
                "BackchannelCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            path: "Plugins/PushAuthenticator"
        ),
        .target(
            name: "EmailAuthenticator",
            dependencies: [
                "BackchannelCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Plugins/EmailAuthenticator"
        ),
        // The worked example of README's "Writing an authenticator plugin", compiled and tested.
        .target(
            name: "ConsoleCodeAuthenticator",
            dependencies: ["BackchannelCore"],
            path: "Examples/ConsoleCodePlugin/Sources/ConsoleCodeAuthenticator"
        ),
        // The DocC tutorial's messaging-app authenticator: a provider's signed webhook, the host's HTTP client.
        .target(
            name: "MessagingAuthenticator",
            dependencies: ["BackchannelCore", .product(name: "Crypto", package: "swift-crypto")],
            path: "Examples/MessagingAuthenticator"
        ),
        // The call-centre console of README's client section: `swift run CallCenterConsole alice`.
        .executableTarget(
            name: "CallCenterConsole",
            dependencies: ["BackchannelClient", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/CallCenterConsole"
        ),
        // `swift run AgentApproval`: an agent asks a user to approve a payment (RFC 9396) in ping mode.
        .executableTarget(
            name: "AgentApproval",
            dependencies: [
                "BackchannelClient", "BackchannelClientHummingbird", "BackchannelCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Examples/AgentApproval"
        ),
        // `swift run -c release poll-benchmark`: BENCHMARKS.md explains it.
        .executableTarget(
            name: "poll-benchmark",
            dependencies: [
                "BackchannelCore", "BackchannelServer", "BackchannelSQLite", "BackchannelPostgres", "BackchannelTesting",
                "BackchannelOutbound", "MockPushAuthenticator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/PollBenchmark"
        ),
        // `backchanneld` with a synchronous main, for instruction counts under callgrind (`run.py --callgrind`).
        .executableTarget(
            name: "callgrind-host",
            dependencies: [
                "BackchannelHost", "BackchannelBuiltIns", "BaselineServer", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Benchmarks/Callgrind"
        ),
        // `swift run -c release cost-benchmark`: what hashing, signing and plugin-state coding cost.
        .executableTarget(
            name: "cost-benchmark",
            dependencies: [
                "BackchannelCore", "BackchannelServer", "BackchannelOutbound", "MockPushAuthenticator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/CostBenchmark"
        ),
        // The HTTP ceiling the end-to-end benchmark measures against.
        .executableTarget(name: "benchmark-baseline", dependencies: ["BaselineServer"], path: "Benchmarks/Baseline"),
        .target(
            name: "BaselineServer",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")],
            path: "Benchmarks/BaselineServer"
        ),
        // The host: configuration, plugin registration, stores, keys and the HTTP server, for backchanneld
        // and for integrators' own servers.
        .target(
            name: "BackchannelHost",
            dependencies: [
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                "BackchannelCore",
                "BackchannelServer",
                "BackchannelHTTP",
                "BackchannelOutbound",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
                "BackchannelSCIM",
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "OTel", package: "swift-otel"),
            ]
        ),
        // What the stock backchanneld links: the built-in authenticators and both SQL stores.
        .target(
            name: "BackchannelBuiltIns",
            dependencies: [
                "BackchannelHost", "BackchannelCore", "BackchannelSQLite", "BackchannelPostgres",
                "MockPushAuthenticator", "SMSAuthenticator", "EmailAuthenticator", "PushAuthenticator", "LDAPDirectory", "SCIMDirectory",
            ]
        ),
        .executableTarget(
            name: "backchanneld",
            dependencies: ["BackchannelHost", "BackchannelBuiltIns"],
            // Binary plugins bind to the server's own plugin API: its symbols are exported.
            linkerSettings: [.unsafeFlags(["-Xlinker", "--export-dynamic"], .when(platforms: [.linux]))]
        ),
        // An integrator's own server: PostgreSQL and a plugin the stock binary does not link, nothing else.
        .executableTarget(
            name: "CustomHost",
            dependencies: ["BackchannelHost", "BackchannelPostgres", "ConsoleCodeAuthenticator"],
            path: "Examples/CustomHost",
            exclude: ["backchannel.yaml"]
        ),
        // Fuzzing: the targets (replayed by `swift test`) and one libFuzzer executable each (`Fuzz/run.sh`).
        .target(
            name: "BackchannelFuzzTargets",
            dependencies: [
                "BackchannelCore", "BackchannelServer", "BackchannelHost", "BackchannelBuiltIns", "CFuzzDriver",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Fuzz/Targets"
        ),
        .target(name: "CFuzzDriver", path: "Fuzz/CFuzzDriver"),
        .executableTarget(name: "fuzz-form", dependencies: ["BackchannelFuzzTargets"], path: "Fuzz/Form"),
        .executableTarget(name: "fuzz-basic", dependencies: ["BackchannelFuzzTargets"], path: "Fuzz/Basic"),
        .executableTarget(name: "fuzz-id-token-hint", dependencies: ["BackchannelFuzzTargets"], path: "Fuzz/IdTokenHint"),
        .executableTarget(name: "fuzz-config", dependencies: ["BackchannelFuzzTargets"], path: "Fuzz/Config"),
        .executableTarget(name: "fuzz-pages", dependencies: ["BackchannelFuzzTargets"], path: "Fuzz/Pages"),
        .testTarget(
            name: "FuzzCorpusTests",
            dependencies: ["BackchannelFuzzTargets"]
        ),
        .testTarget(
            name: "BackchannelCoreTests",
            dependencies: ["BackchannelCore", "BackchannelTesting"]
        ),
        .testTarget(
            name: "PushAuthenticatorTests",
            dependencies: [
                "PushAuthenticator", "BackchannelClient", "BackchannelCore", "BackchannelTesting", .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "MockPushAuthenticatorTests",
            dependencies: ["MockPushAuthenticator", "BackchannelCore", "BackchannelTesting"]
        ),
        .testTarget(
            name: "SMSAuthenticatorTests",
            dependencies: [
                "SMSAuthenticator", "BackchannelCore", "BackchannelTesting", "BackchannelServer",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "LDAPDirectoryTests",
            dependencies: ["LDAPDirectory", "BackchannelCore", "BackchannelTesting", "CertificateFixtures"]
        ),
        .testTarget(
            name: "SCIMDirectoryTests",
            dependencies: [
                "SCIMDirectory", "BackchannelSCIM", "BackchannelCore", "BackchannelTesting", "BackchannelOutbound",
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "EmailAuthenticatorTests",
            dependencies: [
                "EmailAuthenticator", "BackchannelCore", "BackchannelTesting", "BackchannelServer", "BackchannelHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "MessagingAuthenticatorTests",
            dependencies: [
                "MessagingAuthenticator", "BackchannelCore", "BackchannelServer", "BackchannelHTTP", "BackchannelTesting",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(
            name: "ConsoleCodeAuthenticatorTests",
            dependencies: ["ConsoleCodeAuthenticator", "BackchannelCore", "BackchannelTesting"]
        ),
        // Certificates made in the tests that need them (mutual TLS), shared by their targets.
        .target(
            name: "CertificateFixtures",
            dependencies: [
                .product(name: "X509", package: "swift-certificates"), .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/CertificateFixtures"
        ),
        .testTarget(
            name: "BackchannelServerTests",
            dependencies: [
                "BackchannelServer", "BackchannelCore", "BackchannelTesting", "MockPushAuthenticator", "CertificateFixtures",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .testTarget(
            name: "BackchannelHTTPTests",
            dependencies: [
                "BackchannelHTTP", "BackchannelServer", "CertificateFixtures", "BackchannelTesting", "BackchannelCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "BackchannelClientTests",
            dependencies: [
                "BackchannelClient", "backchanneld", "backchannel", "BackchannelHost", "BackchannelBuiltIns", "BackchannelServer", "BackchannelCore", "BackchannelTesting",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "BackchannelStoreTests",
            dependencies: [
                "BackchannelServer", "BackchannelCore", "BackchannelTesting", "BackchannelSQLite", "BackchannelPostgres", "MockPushAuthenticator",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "backchanneldTests",
            dependencies: [
                "backchanneld", "CustomHost", "BackchannelHost", "BackchannelBuiltIns", "BackchannelServer", "MockPushAuthenticator", "BackchannelCore", "BackchannelTesting", "BackchannelSQLite",
                "BackchannelClient", "BackchannelClientHummingbird", "CertificateFixtures", "BackchannelOutbound",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
