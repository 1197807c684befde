import Foundation

/// A span as an OTLP/HTTP receiver gets it: what a stand-in collector reads from the protobuf body of
/// `POST /v1/traces` (an `ExportTraceServiceRequest`, opentelemetry-proto's trace/v1).
struct OTLPSpan: Sendable, CustomStringConvertible {
    var traceId: String
    var spanId: String
    /// Empty for a root span.
    var parentSpanId: String
    var name: String
    /// 1 internal, 2 server, 3 client, 4 producer, 5 consumer.
    var kind: Int
    /// Every attribute, its value as text.
    var attributes: [String: String]
    /// 0 unset, 1 ok, 2 error.
    var statusCode: Int

    var description: String { "\(name) [\(spanId) ← \(parentSpanId.isEmpty ? "root" : parentSpanId)]" }

    struct Malformed: Error {}

    /// The spans of one export request.
    static func decode(_ body: [UInt8]) throws -> [OTLPSpan] {
        var spans: [OTLPSpan] = []
        var request = ProtobufReader(body[...])
        while let (field, wire) = try request.next() {
            guard field == 1 else { try request.skip(wire); continue }  // resource_spans
            var resourceSpans = ProtobufReader(try request.bytes())
            while let (field, wire) = try resourceSpans.next() {
                guard field == 2 else { try resourceSpans.skip(wire); continue }  // scope_spans
                var scopeSpans = ProtobufReader(try resourceSpans.bytes())
                while let (field, wire) = try scopeSpans.next() {
                    guard field == 2 else { try scopeSpans.skip(wire); continue }  // spans
                    spans.append(try span(try scopeSpans.bytes()))
                }
            }
        }
        return spans
    }

    private static func span(_ bytes: ArraySlice<UInt8>) throws -> OTLPSpan {
        var span = OTLPSpan(traceId: "", spanId: "", parentSpanId: "", name: "", kind: 0, attributes: [:], statusCode: 0)
        var reader = ProtobufReader(bytes)
        while let (field, wire) = try reader.next() {
            switch field {
            case 1: span.traceId = hex(try reader.bytes())
            case 2: span.spanId = hex(try reader.bytes())
            case 4: span.parentSpanId = hex(try reader.bytes())
            case 5: span.name = String(decoding: try reader.bytes(), as: UTF8.self)
            case 6: span.kind = Int(try reader.varint())
            case 9:
                var keyValue = ProtobufReader(try reader.bytes())
                var key = ""
                var value = ""
                while let (field, wire) = try keyValue.next() {
                    switch field {
                    case 1: key = String(decoding: try keyValue.bytes(), as: UTF8.self)
                    case 2: value = try anyValue(try keyValue.bytes())
                    default: try keyValue.skip(wire)
                    }
                }
                span.attributes[key] = value
            case 15:
                var status = ProtobufReader(try reader.bytes())
                while let (field, wire) = try status.next() {
                    if field == 3 { span.statusCode = Int(try status.varint()) } else { try status.skip(wire) }
                }
            default: try reader.skip(wire)
            }
        }
        return span
    }

    /// An `AnyValue` as text: a string as it is, a boolean or integer in decimal.
    private static func anyValue(_ bytes: ArraySlice<UInt8>) throws -> String {
        var reader = ProtobufReader(bytes)
        var text = ""
        while let (field, wire) = try reader.next() {
            switch field {
            case 1: text = String(decoding: try reader.bytes(), as: UTF8.self)
            case 2: text = try reader.varint() == 0 ? "false" : "true"
            case 3: text = String(Int64(bitPattern: try reader.varint()))
            case 4: text = String(Double(bitPattern: try reader.fixed64()))
            default: try reader.skip(wire)
            }
        }
        return text
    }

    private static func hex(_ bytes: ArraySlice<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}

/// Reads protobuf's wire format: tags, varints, fixed-width and length-delimited fields.
private struct ProtobufReader {
    private var rest: ArraySlice<UInt8>

    init(_ bytes: ArraySlice<UInt8>) {
        rest = bytes
    }

    /// The next field's number and wire type, or `nil` at the end.
    mutating func next() throws -> (Int, Int)? {
        guard !rest.isEmpty else { return nil }
        let tag = try varint()
        return (Int(tag >> 3), Int(tag & 7))
    }

    mutating func varint() throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while let byte = rest.popFirst() {
            value |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
            guard shift < 64 else { break }
        }
        throw OTLPSpan.Malformed()
    }

    mutating func fixed64() throws -> UInt64 {
        guard rest.count >= 8 else { throw OTLPSpan.Malformed() }
        defer { rest = rest.dropFirst(8) }
        return rest.prefix(8).reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    mutating func bytes() throws -> ArraySlice<UInt8> {
        let length = Int(try varint())
        guard length <= rest.count else { throw OTLPSpan.Malformed() }
        defer { rest = rest.dropFirst(length) }
        return rest.prefix(length)
    }

    mutating func skip(_ wireType: Int) throws {
        switch wireType {
        case 0: _ = try varint()
        case 1: _ = try fixed64()
        case 2: _ = try bytes()
        case 5:
            guard rest.count >= 4 else { throw OTLPSpan.Malformed() }
            rest = rest.dropFirst(4)
        default: throw OTLPSpan.Malformed()
        }
    }
}
