import Foundation
import Logging

/// What the host lends a plugin when it makes one: injected, so tests substitute each of them.
///
/// The services, in this order everywhere they are listed (README, <doc:HostServices>, here): the user
/// directory, the clock, the random source, the logger, the completion sink, the plugin-state store, the
/// pages' base URL, background work, the outbound HTTP client, the server's exposure, and delivery metrics.
public struct BackchannelHostServices: Sendable {
    /// Resolves hints and subjects to users and their contact points.
    public var userDirectory: any UserDirectory
    /// The time.
    public var clock: any BackchannelClock
    /// Secure random bytes.
    public var random: any RandomSource
    /// A logger labelled for this plugin instance.
    public var logger: Logger
    /// Where the handler reports conclusions as soon as it learns them.
    public var completionSink: any BackchannelCompletionSink
    /// Durable state shared by every process of the deployment; keep request state here, not in memory,
    /// so a restart or another node can carry on.
    public var stateStore: any PluginStateStore
    /// The absolute URL under which the linked front-channel interaction is served, ending in `/`,
    /// for links in messages (e-mail, SMS) that send the user to it.
    public var frontChannelBaseURL: URL
    /// Where work that outlives a call runs (deliveries), in the host's task group: never a detached
    /// `Task`, which a shutdown would lose.
    public var background: BackgroundWork
    /// The HTTP client for calls to other services (an SMS gateway, a messaging provider, a push service),
    /// under the server's rules and shut down by the host.
    public var http: any OutboundHTTPClient
    /// Who can reach the server. A host that cannot tell says ``ServerExposure/network``, so a plugin
    /// that is safe only on loopback refuses to run.
    public var exposure: ServerExposure
    /// Where the plugin reports each delivery attempt (sent, retried, failed) for the operator's metrics.
    public var deliveries: any DeliveryRecorder
    /// Where the plugin records the calls it makes to other services by itself (an SMTP relay): spans of
    /// the request's trace when the host traces. Records nothing by default. (Plugin API 1.4.)
    public var outboundCalls: any OutboundCallRecorder = UnrecordedOutboundCalls()

    /// Creates the services. Everything a plugin's correctness depends on is required: a plugin never
    /// runs on a stand-in (state that another node cannot see, a link to a host that is not this one,
    /// conclusions nobody hears, work nobody drains at shutdown). `BackchannelTesting`'s harness makes
    /// a complete set for tests.
    public init(
        userDirectory: any UserDirectory,
        clock: any BackchannelClock = SystemClock(),
        random: any RandomSource = SystemRandomSource(),
        logger: Logger,
        completionSink: any BackchannelCompletionSink,
        stateStore: any PluginStateStore,
        frontChannelBaseURL: URL,
        exposure: ServerExposure = .network,
        background: BackgroundWork,
        http: any OutboundHTTPClient,
        deliveries: any DeliveryRecorder
    ) {
        self.userDirectory = userDirectory
        self.clock = clock
        self.random = random
        self.logger = logger
        self.completionSink = completionSink
        self.stateStore = stateStore
        self.frontChannelBaseURL = frontChannelBaseURL
        self.exposure = exposure
        self.background = background
        self.http = http
        self.deliveries = deliveries
    }

    /// The path of ``frontChannelBaseURL``, ending in `/`: where a page's forms post and its cookies live.
    public var frontChannelBasePath: String {
        let path = frontChannelBaseURL.path
        return path.hasSuffix("/") ? path : path + "/"
    }
}
