/// A plugin (a directory, a handler) that holds connections to something outside the process and closes them
/// when the server stops.
///
/// The host calls ``close()`` once, after the server has stopped taking requests and its background work has
/// drained, so nothing uses the plugin any more. Added in 1.2.
public protocol ClosingAtShutdown: Sendable {
    /// Closes what the plugin holds open (connections, a pool). Called once; return when it is closed.
    func close() async
}
