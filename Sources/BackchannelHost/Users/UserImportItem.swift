import Foundation

/// One record an import reads from its file, before it is decoded: its bytes, or why it was cut out.
enum UserImportItem: Equatable {
    /// A record's bytes; `position` names it in the report (`line 12`, `Resources[11]`).
    case record(position: String, bytes: Data)
    /// A record that could not be read whole, and why.
    case unreadable(position: String, reason: String)
}

/// Cuts a file, fed in chunks, into records, keeping no more than one record in memory.
protocol UserImportSplitter {
    /// The records that end within `chunk` (and the chunks before it).
    mutating func feed(_ chunk: some Collection<UInt8>) -> [UserImportItem]
    /// What is left at the end of the file.
    mutating func finish() -> [UserImportItem]
}
