import Foundation

/// The results as ratios: each store against the memory store with as many pending requests, and each
/// store's many-pending against its few-pending throughput.
struct Report {
    let results: [PollBenchmark.Result]
    let counts: [Int]

    private func rate(_ store: String, _ pending: Int) -> Double? {
        results.first { $0.store == store && $0.pending == pending }?.pollsPerSecond
    }

    private var stores: [String] {
        results.reduce(into: [String]()) { if !$0.contains($1.store) { $0.append($1.store) } }
    }

    struct JSON: Codable {
        var results: [PollBenchmark.Result]
        var ratios: [String: [String: Double]]
    }

    var json: JSON {
        var ratios: [String: [String: Double]] = [:]
        for store in stores {
            for count in counts {
                if let value = rate(store, count), let memory = rate("memory", count) { ratios[store, default: [:]]["vs_memory_\(count)"] = value / memory }
            }
            if let low = counts.min(), let high = counts.max(), let few = rate(store, low), let many = rate(store, high) {
                ratios[store, default: [:]]["\(high)_vs_\(low)"] = many / few
            }
        }
        return JSON(results: results, ratios: ratios)
    }

    var markdown: String {
        guard let low = counts.min(), let high = counts.max() else { return "" }
        var lines = [
            "| store | polls/s, \(low) pending | polls/s, \(high) pending | vs memory (\(low)) | vs memory (\(high)) | \(high) / \(low) |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for store in stores {
            let few = rate(store, low) ?? 0
            let many = rate(store, high) ?? 0
            let memoryFew = rate("memory", low) ?? 1
            let memoryMany = rate("memory", high) ?? 1
            lines.append(
                String(
                    format: "| %@ | %.0f | %.0f | %.2f | %.2f | %.2f |", store, few, many, few / memoryFew, many / memoryMany, few > 0 ? many / few : 0))
        }
        return lines.joined(separator: "\n")
    }
}
