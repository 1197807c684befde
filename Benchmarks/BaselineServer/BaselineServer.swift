import Foundation
import Hummingbird

/// The ceiling no Backchannel endpoint can beat: a minimal Hummingbird 2 server, built with the same
/// flags, that reads a form POST and answers a small JSON body with the same headers the token
/// endpoint sends. Served by `benchmark-baseline --port 8090`, and by `callgrind-host baseline --port 8090`.
public enum BaselineServer {
    /// Serves on 127.0.0.1:`port` until the process is stopped.
    public static func run(port: Int) async throws {
        let router = Router()
        router.post("/token") { request, _ -> Response in
            // Read the whole form, as the real endpoints do, then answer a fixed small JSON document.
            let body = try await request.body.collect(upTo: 64 * 1024)
            let fields = String(buffer: body).split(separator: "&").count
            var response = Response(
                status: .badRequest,
                headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"error":"authorization_pending","fields":\#(fields)}"#)))
            response.headers[.init("Pragma")!] = "no-cache"
            return response
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "baseline"))
        try await app.runService()
    }

    /// The `--port` argument of `arguments`, 8090 without one.
    public static func port(in arguments: [String]) -> Int {
        arguments.firstIndex(of: "--port").flatMap { arguments.index(after: $0) < arguments.endIndex ? Int(arguments[$0 + 1]) : nil } ?? 8090
    }
}
