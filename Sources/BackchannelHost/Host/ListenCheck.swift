#if canImport(Glibc)
import Glibc
#endif

/// Whether the server could listen where it is told to, asked before anything is created.
enum ListenCheck {
    /// Why `host:port` cannot be listened on (in use, not permitted), or `nil` when it can or when the
    /// address is a name this check does not resolve (the server's own bind reports those).
    static func unavailable(host: String, port: Int) -> String? {
        var ipv4 = in_addr()
        var ipv6 = in6_addr()
        let bare = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : (host == "localhost" ? "127.0.0.1" : host)
        let descriptor: Int32
        let result: Int32
        if inet_pton(AF_INET, bare, &ipv4) == 1 {
            descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
            address.sin_addr = ipv4
            var reuse: Int32 = 1
            setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        } else if inet_pton(AF_INET6, bare, &ipv6) == 1 {
            descriptor = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
            address.sin6_addr = ipv6
            var reuse: Int32 = 1
            setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            return nil
        }
        let failure = errno
        close(descriptor)
        guard result != 0 else { return nil }
        switch failure {
        case EADDRINUSE: return "the port is already in use"
        case EACCES: return "permission denied (ports below 1024 need privileges)"
        case EADDRNOTAVAIL: return "this machine has no such address"
        default: return String(cString: strerror(failure))
        }
    }
}
