import Foundation

/// JSON Lines: one record per line; blank lines are skipped, a line longer than ``maxRecordBytes`` is
/// reported and skipped without being kept.
struct JSONLinesSplitter: UserImportSplitter {
    let maxRecordBytes: Int
    private var line: [UInt8] = []
    private var lineNumber = 1
    private var overlong = false

    init(maxRecordBytes: Int) {
        self.maxRecordBytes = maxRecordBytes
    }

    mutating func feed(_ chunk: some Collection<UInt8>) -> [UserImportItem] {
        var items: [UserImportItem] = []
        for byte in chunk {
            if byte == UInt8(ascii: "\n") {
                if let item = endLine() { items.append(item) }
            } else if !overlong {
                line.append(byte)
                if line.count > maxRecordBytes {
                    overlong = true
                    line = []
                }
            }
        }
        return items
    }

    mutating func finish() -> [UserImportItem] {
        endLine().map { [$0] } ?? []
    }

    private mutating func endLine() -> UserImportItem? {
        defer {
            line.removeAll(keepingCapacity: true)
            overlong = false
            lineNumber += 1
        }
        let position = "line \(lineNumber)"
        if overlong { return .unreadable(position: position, reason: "longer than \(maxRecordBytes / 1024) KiB") }
        guard line.contains(where: { ![0x20, 0x09, 0x0D].contains($0) }) else { return nil }
        return .record(position: position, bytes: Data(line))
    }
}
