import Foundation

/// A SCIM 2.0 `ListResponse` (RFC 7644 §3.4.2): the elements of its top-level `Resources` array, one at a
/// time, however large the file.
///
/// Foundation's JSON decoder reads whole documents only, so a file of a million users would be held in
/// memory at once. This scanner reads the document's structure only (nesting, strings and their escapes)
/// to cut out each element of `Resources`; every element is then decoded by `JSONDecoder`, which
/// validates it. A document that is not JSON shows as elements that do not decode, or as none.
struct SCIMListResponseSplitter: UserImportSplitter {
    let maxRecordBytes: Int
    private var depth = 0
    private var inString = false
    private var escaped = false
    /// The last string closed at depth 1 (a member name of the response, when a `:` follows).
    private var lastKey: [UInt8] = []
    private var collectingKey = false
    private var inResources = false
    private var element: [UInt8] = []
    private var inElement = false
    private var overlong = false
    private var index = 0

    init(maxRecordBytes: Int) {
        self.maxRecordBytes = maxRecordBytes
    }

    mutating func feed(_ chunk: some Collection<UInt8>) -> [UserImportItem] {
        var items: [UserImportItem] = []
        for byte in chunk {
            if inElement, !overlong {
                element.append(byte)
                if element.count > maxRecordBytes {
                    overlong = true
                    element = []
                }
            }
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                    collectingKey = false
                } else if collectingKey, lastKey.count < 64 {
                    lastKey.append(byte)
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
                if depth == 1 {
                    collectingKey = true
                    lastKey = []
                }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if depth == 1, byte == UInt8(ascii: "["), lastKey == Array("Resources".utf8) { inResources = true }
                if inResources, depth == 2, byte == UInt8(ascii: "{") {
                    inElement = true
                    element = [byte]
                }
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if inElement, depth == 2 {
                    let position = "Resources[\(index)]"
                    items.append(overlong ? .unreadable(position: position, reason: "longer than \(maxRecordBytes / 1024) KiB") : .record(position: position, bytes: Data(element)))
                    index += 1
                    inElement = false
                    overlong = false
                    element = []
                }
                if inResources, depth == 1 { inResources = false }
            default:
                break
            }
        }
        return items
    }

    mutating func finish() -> [UserImportItem] {
        inElement ? [.unreadable(position: "Resources[\(index)]", reason: "the file ends inside it")] : []
    }
}
