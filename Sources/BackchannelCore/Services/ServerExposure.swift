/// Who can reach the server's listeners: what a plugin that is safe only on one machine (a simulator,
/// a development aid) checks before it agrees to run.
public enum ServerExposure: Sendable, Hashable {
    /// Every listener is on a loopback address: only this machine's processes can connect.
    case loopback
    /// Some listener accepts connections from other machines.
    case network

    /// The exposure of a server bound to `host`: loopback for `localhost`, `127.0.0.0/8` and `::1`.
    public init(bindHost host: String) {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let octets = bare.split(separator: ".", omittingEmptySubsequences: false)
        let isIPv4Loopback = octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
        self = bare.lowercased() == "localhost" || bare == "::1" || isIPv4Loopback ? .loopback : .network
    }
}
