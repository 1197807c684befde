import BaselineServer

/// `benchmark-baseline --port 8090`: the HTTP ceiling of the end-to-end benchmark (``BaselineServer``).
@main
struct BenchmarkBaseline {
    static func main() async throws {
        try await BaselineServer.run(port: BaselineServer.port(in: CommandLine.arguments))
    }
}
