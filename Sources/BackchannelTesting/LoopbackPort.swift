import Foundation
import Synchronization

/// Free TCP ports on 127.0.0.1, for test servers.
public enum LoopbackPort {
    /// The next port to try: below Linux's ephemeral range (32768–60999), from a per-process start.
    private static let next = Mutex(20_000 + Int(getpid() % 1_000) * 12)

    /// A loopback port that is free now and that this process has not handed out before.
    ///
    /// A port the kernel picks (`bind` to port 0) comes from the ephemeral range, where the kernel may hand
    /// it out again, to another test's request or as the local end of any outgoing connection, in the
    /// moment between this call and the server binding it: seen as a test server that cannot listen, or a
    /// test talking to another test's server. Ports below that range are never picked by the kernel, and
    /// this process hands each out once.
    public static func free() throws -> Int {
        for _ in 0..<12_000 {
            let port = next.withLock { port in
                defer { port = port + 1 < 32_000 ? port + 1 : 20_000 }
                return port
            }
            if isFree(port) { return port }
        }
        throw POSIXError(.EADDRINUSE)
    }

    private static func isFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 }
        }
    }
}
