import BackchannelCore
import BackchannelSCIM
import BackchannelServer
import Foundation

/// Imports users into a ``UserStore`` from records a ``UserImportSplitter`` cuts out of a file, a batch at a
/// time: memory holds one batch, whatever the file's size. A repeated import changes nothing (each user is
/// put by subject; an identical record is left as it is).
struct UserImporter {
    /// The file's kinds.
    enum Format: String, CaseIterable {
        /// One user per line, as the configuration file's `users:` entries (snake_case JSON).
        case jsonl
        /// A SCIM 2.0 `ListResponse` of User resources.
        case scim
    }

    /// What an import did.
    struct Report: Equatable {
        var created = 0
        var updated = 0
        var unchanged = 0
        /// Every record skipped: where, and why.
        var skipped: [(position: String, reason: String)] = []

        static func == (lhs: Report, rhs: Report) -> Bool {
            (lhs.created, lhs.updated, lhs.unchanged) == (rhs.created, rhs.updated, rhs.unchanged)
                && lhs.skipped.map(\.position) == rhs.skipped.map(\.position) && lhs.skipped.map(\.reason) == rhs.skipped.map(\.reason)
        }
    }

    let users: any UserStore
    let format: Format
    var batchSize = 500

    /// Imports what `chunks` (the file, in order) hold.
    func run<Chunks: AsyncSequence>(_ chunks: Chunks) async throws -> Report where Chunks.Element: Collection<UInt8> {
        var splitter: any UserImportSplitter =
            switch format {
            case .jsonl: JSONLinesSplitter(maxRecordBytes: DirectoryUserCheck.maxRecordBytes)
            case .scim: SCIMListResponseSplitter(maxRecordBytes: DirectoryUserCheck.maxRecordBytes)
            }
        var report = Report()
        var batch: [(position: String, user: DirectoryUser)] = []
        for try await chunk in chunks {
            for item in splitter.feed(chunk) {
                take(item, into: &batch, report: &report)
                if batch.count >= batchSize { try await put(&batch, report: &report) }
            }
        }
        for item in splitter.finish() { take(item, into: &batch, report: &report) }
        try await put(&batch, report: &report)
        return report
    }

    private func take(_ item: UserImportItem, into batch: inout [(position: String, user: DirectoryUser)], report: inout Report) {
        switch item {
        case .unreadable(let position, let reason):
            report.skipped.append((position, reason))
        case .record(let position, let bytes):
            switch decode(bytes) {
            case .success(let user):
                if let problem = DirectoryUserCheck.problem(with: user) {
                    report.skipped.append((position, problem))
                } else {
                    batch.append((position, user))
                }
            case .failure(let refusal):
                report.skipped.append((position, refusal.description))
            }
        }
    }

    private func put(_ batch: inout [(position: String, user: DirectoryUser)], report: inout Report) async throws {
        guard !batch.isEmpty else { return }
        let outcomes = try await users.put(batch.map(\.user))
        for (entry, outcome) in zip(batch, outcomes) {
            switch outcome {
            case .created: report.created += 1
            case .updated: report.updated += 1
            case .unchanged: report.unchanged += 1
            case .keyTaken(let key, let owner): report.skipped.append((entry.position, "\(key) already finds the user \(owner)"))
            }
        }
        batch.removeAll(keepingCapacity: true)
    }

    private func decode(_ bytes: Data) -> Result<DirectoryUser, SCIMUserRefusal> {
        switch format {
        case .jsonl:
            guard let tree = try? JSONDecoder().decode(JSONValue.self, from: bytes) else { return .failure(SCIMUserRefusal("not JSON")) }
            do {
                return .success(try tree.decode(as: DirectoryUser.self))
            } catch {
                return .failure(SCIMUserRefusal(error.path.isEmpty ? error.reason : "\(error.path): \(error.reason)"))
            }
        case .scim:
            do {
                return try JSONDecoder().decode(SCIMUser.self, from: bytes).directoryUser()
            } catch let error as DecodingError {
                return .failure(SCIMUserRefusal("not a SCIM User: \(Self.describe(error))"))
            } catch {
                return .failure(SCIMUserRefusal("not JSON"))
            }
        }
    }

    /// Where a SCIM record failed to decode, by field, without its values.
    private static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String { keys.map(\.stringValue).joined(separator: ".") }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context.codingPath + [key])) is required"
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return "\(path(context.codingPath)) has the wrong type"
        case .dataCorrupted: return "not JSON"
        @unknown default: return "cannot be read"
        }
    }
}
