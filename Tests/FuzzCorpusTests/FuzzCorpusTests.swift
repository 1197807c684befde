import BackchannelFuzzTargets
import Foundation
import Testing

/// Every kept input of every fuzz target (`Fuzz/Corpus/<target>/`, the seeds and what fuzzing found
/// interesting) and every crasher (`Fuzz/Crashers/<target>/`, fixed since) runs again: a regression
/// traps here as it trapped under libFuzzer.
@Suite("fuzz corpus replay")
struct FuzzCorpusTests {
    private static let fuzzDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fuzz")

    private static func inputs(_ target: String) -> [URL] {
        ["Corpus", "Crashers"].flatMap { folder in
            let directory = fuzzDirectory.appendingPathComponent(folder).appendingPathComponent(target)
            return ((try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? [])
                .filter { !$0.lastPathComponent.hasPrefix(".") }
        }
    }

    @Test("every kept input and crasher runs through its target", arguments: FuzzTargets.all.keys.sorted())
    func replay(target: String) async throws {
        let inputs = Self.inputs(target)
        #expect(!inputs.isEmpty, "no seed corpus for \(target)")
        let run = try #require(FuzzTargets.all[target])
        let contents = try inputs.map { try [UInt8](Data(contentsOf: $0)) }
        // The targets block their thread while the server works, as under libFuzzer: never a concurrency thread.
        await withCheckedContinuation { continuation in
            Thread {
                for bytes in contents { run(bytes) }
                continuation.resume()
            }.start()
        }
    }
}
