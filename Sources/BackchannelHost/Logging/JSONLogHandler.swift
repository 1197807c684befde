import BackchannelCore
import Foundation
import Logging
import Synchronization

/// Writes each log event as one JSON object on a line of standard error (`--log-format json`), for log
/// shippers: `time` (ISO 8601, UTC, milliseconds), `level`, `label`, `message`, `source`, then every
/// metadata field at the top level (a field named like one of those five is written under `metadata_` + its name).
struct JSONLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info
    /// Metadata of the task's context (the trace and span, when tracing is on), added to every line.
    var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let write: @Sendable (Data) -> Void

    private static let reserved: Set<String> = ["time", "level", "label", "message", "source"]
    private static let output = Mutex(())

    init(label: String, metadataProvider: Logger.MetadataProvider? = nil, write: @escaping @Sendable (Data) -> Void = JSONLogHandler.standardError) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.write = write
    }

    /// Writes one line to standard error, lines from several threads never interleaved.
    static let standardError: @Sendable (Data) -> Void = { line in
        output.withLock { _ in FileHandle.standardError.write(line) }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields: [String: JSONValue] = [:]
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided, uniquingKeysWith: { _, provided in provided }) }
        for (key, value) in merged.merging(event.metadata ?? [:], uniquingKeysWith: { _, event in event }) {
            fields[Self.reserved.contains(key) ? "metadata_" + key : key] = Self.json(value)
        }
        fields["time"] = .string(Self.timestamp(Date()))
        fields["level"] = .string(event.level.rawValue)
        fields["label"] = .string(label)
        fields["message"] = .string(event.message.description)
        fields["source"] = .string(event.source)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var line = try? encoder.encode(fields) else { return }
        line.append(UInt8(ascii: "\n"))
        write(line)
    }

    private static func json(_ value: Logger.MetadataValue) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let convertible): .string(convertible.description)
        case .array(let values): .array(values.map(json))
        case .dictionary(let members): .object(members.mapValues(json))
        }
    }

    private static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
    }
}
