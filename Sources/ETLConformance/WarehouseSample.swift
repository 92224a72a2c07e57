import CETLPlugin
import ETLHost
import ETLPluginKit
import Foundation

/// The tables the warehouse checks write: a schema with every ABI v1 type
/// but null, a second one for the replace that swaps columns, one with
/// decimal and JSON too for `read-back`, and rows made from their ids (with
/// nulls, non-ASCII text and, from id 101, edge values).
struct WarehouseSample: Equatable {
    /// The columns.
    let schema: ArrowBatchSchema

    /// id (the key), name, active, amount, day, seen_at, payload.
    static let first = WarehouseSample(schema: ArrowBatchSchema([
        ArrowField("id", .int64, nullable: false),
        ArrowField("name", .utf8),
        ArrowField("active", .bool),
        ArrowField("amount", .float64),
        ArrowField("day", .date32),
        ArrowField("seen_at", .timestampMicrosecondsUTC),
        ArrowField("payload", .binary),
    ]))

    /// id, name, score: what a second replace swaps in.
    static let second = WarehouseSample(schema: ArrowBatchSchema([
        ArrowField("id", .int64, nullable: false),
        ArrowField("name", .utf8),
        ArrowField("score", .float64),
    ]))

    /// Every ABI v1 type, decimal and JSON: the columns `read-back` writes
    /// and reads back (id, name, active, total, amount, price, doc, day,
    /// seen_at, payload).
    static let readBack = WarehouseSample(schema: ArrowBatchSchema([
        ArrowField("id", .int64, nullable: false),
        ArrowField("name", .utf8),
        ArrowField("active", .bool),
        ArrowField("total", .int64),
        ArrowField("amount", .float64),
        ArrowField("price", .utf8, annotation: .decimal(precision: 38, scale: 9)),
        ArrowField("doc", .utf8, annotation: .json),
        ArrowField("day", .date32),
        ArrowField("seen_at", .timestampMicrosecondsUTC),
        ArrowField("payload", .binary),
    ]))

    /// The ids of the rows `read-back` writes: ordinary rows (id 4 all
    /// null), then one row per edge value of ``SampleEdges``.
    static let readBackBatches: [[Int64]] = [[1, 2, 3, 4, 5], Array(SampleEdges.ids)]

    /// Builds the batch of the rows with `ids` into `array` (which the
    /// caller then hands to write()). Its values are ``value(of:id:)``.
    func batch(ids: [Int64], into array: UnsafeMutablePointer<ArrowArray>) throws {
        let builder = try ArrowBatchBuilder(schema: schema, capacity: max(1, ids.count))
        for id in ids {
            for field in schema.fields {
                switch Self.value(of: field, id: id) {
                case nil: builder.appendNull()
                case .bool(let value): builder.append(value)
                case .int(let value): builder.append(value)
                case .double(let value): builder.append(value)
                case .text(let value): builder.appendText(value)
                case .bytes(let value): builder.appendBinary(value)
                case .date(let value): builder.appendDate32(daysSinceEpoch: value)
                case .timestamp(let value): builder.appendTimestamp(microsecondsSinceEpoch: value)
                }
            }
            try builder.endRow()
        }
        try builder.finish(into: array)
    }

    /// The value the checks write in column `field` of the row `id` (nil:
    /// null). Ordinary rows (ids below ``SampleEdges/ids``) derive it from
    /// the id, with non-ASCII text; every fifth of them is null but for its
    /// id. Edge rows take ``SampleEdges``.
    static func value(of field: ArrowField, id: Int64) -> SampleValue? {
        if field.name == "id" { return .int(id) }
        if SampleEdges.ids.contains(id) { return SampleEdges.value(of: field, id: id) }
        if id % 5 == 4 { return nil }
        switch (field.type, field.annotation) {
        case (.utf8, .decimal?): return .text("\(id * 10).25")
        case (.utf8, .json?): return .text(#"{"id":\#(id),"tags":["a","b"]}"#)
        case (.utf8, _): return .text("row \(id): Zoë ☕ 🚀")
        case (.int64, _): return .int(id * 10)
        case (.bool, _): return .bool(id % 2 == 0)
        case (.float64, _): return .double(Double(id) * 1.25)
        case (.date32, _): return .date(Int32(19_000 + id))
        case (.timestampMicrosecondsUTC, _): return .timestamp(1_700_000_000_000_000 + id * 1_000_001)
        case (.binary, _): return .bytes((0 ..< UInt8(truncatingIfNeeded: id % 7 + 1)).map { $0 &* 37 })
        case (.null, _): return nil
        }
    }

    /// A resolved-schema document to commit as schema_json.
    func schemaJSON(tag: String, table: String, step: Int) -> String {
        let columns = schema.fields.map { #"{"name":"\#($0.name)","type":"\#($0.type)"}"# }.joined(separator: ",")
        return #"{"columns":[\#(columns)],"conformance":"\#(tag)","step":\#(step),"table":"\#(table)"}"#
    }

    /// A state document to commit.
    static func stateJSON(tag: String, step: Int) -> String {
        #"{"conformance":"\#(tag)","cursor":"2024-05-0\#(step)T12:00:00Z","step":\#(step),"text":"Zoë ☕"}"#
    }

    /// A run record to commit.
    static func runJSON(tag: String, table: String, mode: WriteMode, step: Int, rows: Int) -> String {
        #"{"run_id":"\#(tag)-\#(step)","stream":"conformance","table":"\#(table)","mode":"\#(mode)","status":"succeeded","rows_read":\#(rows),"rows_written":\#(rows)}"#
    }

    /// Whether two JSON texts hold the same value (keys in any order).
    static func sameJSON(_ left: String, _ right: String) -> Bool {
        func canonical(_ text: String) -> Data? {
            guard let value = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) else { return nil }
            return try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed])
        }
        guard let a = canonical(left), let b = canonical(right) else { return left == right }
        return a == b
    }
}
