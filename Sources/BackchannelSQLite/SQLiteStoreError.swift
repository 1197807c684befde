/// Why the SQLite store could not be opened.
public enum SQLiteStoreError: Error, CustomStringConvertible, Sendable {
    /// Another process (or another store in this one) has the file open: the SQLite store belongs to one
    /// server process.
    case inUse(path: String)

    public var description: String {
        switch self {
        case .inUse(let path):
            "\(path) is in use by another server process; one data directory serves one process (share state between processes through PostgreSQL)"
        }
    }
}
