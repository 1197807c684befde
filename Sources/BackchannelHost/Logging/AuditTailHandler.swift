import BackchannelServer
import Foundation
import Logging

/// Keeps what the audit trail logs in an ``AuditTail`` as well, for the operator console: beside the log's
/// own handler, so the console shows exactly what the log has (with the trace, when tracing is on).
struct AuditTailHandler: LogHandler {
    let tail: AuditTail
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, provided in provided } }
        merged.merge(event.metadata ?? [:]) { _, event in event }
        tail.append(
            AuditTail.Entry(
                time: Date(), level: event.level.rawValue, message: event.message.description,
                fields: merged.sorted { $0.key < $1.key }.map { ($0.key, "\($0.value)") }))
    }

    /// A logger writing both where the audit trail's log goes (`base`) and into `tail`.
    static func logger(_ base: Logger, tail: AuditTail) -> Logger {
        var tailHandler = AuditTailHandler(tail: tail)
        tailHandler.metadataProvider = base.handler.metadataProvider
        let handlers: [any LogHandler] = [base.handler, tailHandler]
        var logger = Logger(label: base.label) { _ in MultiplexLogHandler(handlers) }
        logger.logLevel = base.logLevel
        return logger
    }
}
