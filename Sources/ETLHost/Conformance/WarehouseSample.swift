import CETLPlugin
import ETLPluginKit
import Foundation

/// The tables the warehouse checks write: a schema with every ABI v1 type
/// but null, a second one for the replace that swaps columns, and rows
/// made from their ids (with nulls and non-ASCII text).
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

    /// Builds the batch of the rows with `ids` into `array` (which the
    /// caller then hands to write()). Every fifth row has nulls.
    func batch(ids: [Int64], into array: UnsafeMutablePointer<ArrowArray>) throws {
        let builder = try ArrowBatchBuilder(schema: schema, capacity: max(1, ids.count))
        for id in ids {
            let sparse = id % 5 == 4
            for field in schema.fields {
                if field.name == "id" {
                    builder.append(id)
                    continue
                }
                if sparse {
                    builder.appendNull()
                    continue
                }
                switch field.type {
                case .int64: builder.append(id * 10)
                case .utf8: builder.appendText("row \(id): Zoë ☕ 🚀")
                case .bool: builder.append(id % 2 == 0)
                case .float64: builder.append(Double(id) * 1.25)
                case .date32: builder.appendDate32(daysSinceEpoch: Int32(19_000 + id))
                case .timestampMicrosecondsUTC: builder.appendTimestamp(microsecondsSinceEpoch: 1_700_000_000_000_000 + id * 1_000_001)
                case .binary: builder.appendBinary((0 ..< UInt8(truncatingIfNeeded: id % 7 + 1)).map { $0 &* 37 })
                case .null: builder.appendNull()
                }
            }
            try builder.endRow()
        }
        try builder.finish(into: array)
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
