import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation

/// A batch with every v1 column type, nulls, NaN, ±Infinity, -0.0, an
/// empty string and empty binary, and field metadata.
enum ArrowIPCFixtures {
    static let schema = ArrowBatchSchema([
        ArrowField("flag", .bool),
        ArrowField("id", .int64, nullable: false),
        ArrowField("score", .float64),
        ArrowField("name", .utf8, metadata: ["etl.source_type": "varchar(20)"]),
        ArrowField("blob", .binary),
        ArrowField("day", .date32),
        ArrowField("at", .timestampMicrosecondsUTC),
        ArrowField("nothing", .null),
        ArrowField("price", .utf8, annotation: .decimal(precision: 12, scale: 2)),
        ArrowField("doc", .utf8, annotation: .json),
        ArrowField("raw", .utf8, annotation: .untyped),
    ])

    /// `rows` rows; row r is deterministic so tests can recompute it.
    static func batch(rows: Int, startingAt first: Int = 0) throws -> ImportedBatch {
        let builder = try ArrowBatchBuilder(schema: schema, capacity: rows)
        for r in first..<(first + rows) {
            builder.append(r % 5 == 4 ? nil : r % 2 == 0)
            builder.append(Int64(r) * 1_000_000_007 - 3)
            builder.append(score(r))
            builder.appendText(r % 7 == 6 ? nil : name(r))
            builder.appendBinary(r % 4 == 3 ? nil : blob(r))
            builder.appendDate32(daysSinceEpoch: r % 6 == 5 ? nil : Int32(r) - 719_162)
            builder.appendTimestamp(microsecondsSinceEpoch: r % 8 == 7 ? nil : Int64(r) * 86_400_000_123 - 1)
            builder.appendNull()
            builder.appendText(r % 3 == 2 ? nil : "\(r).5\(r % 10)")
            builder.appendText("{\"k\":[\(r),null,\"x\"]}")
            builder.appendText(r % 9 == 8 ? "" : " \(r) ")
            try builder.endRow()
        }
        let array = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
        defer { array.deallocate() }
        try builder.finish(into: array)
        return try ImportedBatch(taking: array, schema: schema)
    }

    static func score(_ r: Int) -> Double? {
        switch r % 10 {
        case 1: nil
        case 2: .nan
        case 3: .infinity
        case 4: -.infinity
        case 5: -0.0
        default: Double(r) / 3
        }
    }

    static func name(_ r: Int) -> String { r % 11 == 10 ? "" : "näme \(r) 🙂 \"q\"" }
    static func blob(_ r: Int) -> [UInt8] { r % 13 == 12 ? [] : [0, UInt8(r & 0xFF), 0xFF, UInt8((r >> 8) & 0xFF)] }

    /// Every value of `batch` in a comparable form (doubles as bit patterns).
    static func values(_ batch: ImportedBatch) -> [[String]] {
        (0..<batch.rowCount).map { row in
            (0..<batch.columnCount).map { column -> String in
                if batch.isNull(row: row, column: column) { return "null" }
                switch batch.schema.fields[column].type {
                case .bool: return "\(batch.bool(row: row, column: column)!)"
                case .int64: return "\(batch.int64(row: row, column: column)!)"
                case .float64: return "bits:\(batch.double(row: row, column: column)!.bitPattern)"
                case .utf8: return "s:" + batch.string(row: row, column: column)!
                case .binary: return "b:" + Array(batch.binary(row: row, column: column)!).map(String.init).joined(separator: ",")
                case .date32: return "d:\(batch.date32(row: row, column: column)!)"
                case .timestampMicrosecondsUTC: return "t:\(batch.timestamp(row: row, column: column)!)"
                case .null: return "null"
                }
            }
        }
    }
}
