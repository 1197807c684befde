import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// Whether the server could listen where it is told to, asked before anything is created: NIO binds
/// the address and lets it go at once.
enum ListenCheck {
    /// Why `host:port` cannot be listened on (in use, not permitted), or `nil` when it can or when the
    /// address is a name this check does not resolve (the server's own bind reports those).
    static func unavailable(host: String, port: Int) async -> String? {
        let bare = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : (host == "localhost" ? "127.0.0.1" : host)
        guard let address = try? SocketAddress(ipAddress: bare, port: port) else { return nil }
        do {
            let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(to: address).get()
            try? await channel.close()
            return nil
        } catch let error as IOError {
            switch error.errnoCode {
            case EADDRINUSE: return "the port is already in use"
            case EACCES: return "permission denied (ports below 1024 need privileges)"
            case EADDRNOTAVAIL: return "this machine has no such address"
            default: return String(cString: strerror(error.errnoCode))
            }
        } catch {
            return "\(error)"
        }
    }
}
