import BackchannelServer
import Foundation
import Hummingbird

/// The operations listener's routes, apart from the public port: `/metrics` (Prometheus text format),
/// `/healthz` (the process serves), `/readyz` (store, keys and authenticators ready; 503 otherwise) and,
/// when an admin token is configured, the admin API under `/admin/` and the operator console under `/console/`.
public enum OperationsRouter {
    /// The routes.
    /// - Parameters:
    ///   - engines: The engines whose readiness `/readyz` reports.
    ///   - metrics: The metrics now, in Prometheus' text format (`/metrics`).
    ///   - admin: The admin API, when an admin token is configured.
    ///   - console: The operator console (`/console/`), when an admin token is configured.
    public static func make(
        engines: EngineHandle, metrics: @escaping @Sendable () -> [UInt8], admin: AdminRoutes?, console: OperatorConsole? = nil
    ) -> Router<BasicRequestContext> {
        let router = Router()
        admin?.register(on: router)
        console?.register(on: router)
        router.get("/metrics") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics())))
        }
        router.get("/healthz") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
        }
        router.get("/readyz") { _, _ -> Response in
            let (ready, checks) = await engines.current.readiness()
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let body = (try? encoder.encode(Readiness(status: ready ? "ready" : "not_ready", checks: checks))) ?? Data()
            return Response(
                status: ready ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        }
        return router
    }

    private struct Readiness: Encodable {
        var status: String
        var checks: [String: String]
    }
}
