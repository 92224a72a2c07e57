import CETLPlugin
import ETLHost
import ETLPluginKit
import Foundation

/// Reads the rows of a table the checks wrote back through the
/// warehouse's `query` (`SELECT "id", ... FROM "<table>" ORDER BY "id"`,
/// plain SQL that SQLite and PostgreSQL both accept) and compares them,
/// value by value, with what was written (see ``ReadBackEquality``).
///
/// ```swift
/// let readBack = RowReadBack(table: "t", sample: .readBack)
/// for problem in readBack.problems(driver, ids: [1, 2, 3], when: "after the commit") { recorder.fail(problem) }
/// ```
struct RowReadBack {
    /// The table.
    let table: String
    /// Its columns and values.
    let sample: WarehouseSample

    /// Most value differences reported per read; the rest are counted.
    static let reportedDifferences = 10

    /// The query: every column of the sample, ordered by the key `id`.
    var sql: String {
        let columns = sample.schema.fields.map { Self.quoted($0.name) }.joined(separator: ", ")
        return "SELECT \(columns) FROM \(Self.quoted(table)) ORDER BY \(Self.quoted("id"))"
    }

    /// An SQL identifier in double quotes (a quote inside doubled).
    static func quoted(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// What the query returned: its columns and rows (nil cells are nulls).
    struct Rows {
        var fields: [ArrowField]
        var rows: [[SampleValue?]]
    }

    /// Runs ``sql`` on `driver`'s instance and reads every row (a query
    /// that fails, or a stream that breaks the Arrow rules, is the
    /// returned problem).
    func read(_ driver: WarehouseDriver) -> Result<Rows, ReadFailure> {
        switch driver.query(sql) {
        case nil: return .failure(ReadFailure("the warehouse has no query operation"))
        case .failure(let failure)?: return .failure(ReadFailure("query `\(sql)` failed: \(failure.summary)"))
        case .success(let reader)?:
            var rows: [[SampleValue?]] = []
            do {
                while let batch = try reader.next() {
                    for row in 0 ..< batch.rowCount {
                        rows.append((0 ..< batch.columnCount).map { Self.cell(batch, row: row, column: $0) })
                    }
                }
            } catch {
                return .failure(ReadFailure("reading the rows of query `\(sql)` failed: \(error.message)"))
            }
            return .success(Rows(fields: reader.schema.fields, rows: rows))
        }
    }

    /// A problem met while reading.
    struct ReadFailure: Error {
        var text: String
        init(_ text: String) { self.text = text }
    }

    /// Reads the table through `driver` and returns every difference from
    /// the rows `ids` of the sample, each naming the table, the moment
    /// (`when`), the row, the column, the value written and the value read.
    func problems(_ driver: WarehouseDriver, ids: [Int64], when: String) -> [String] {
        switch read(driver) {
        case .failure(let failure): return ["\(when), \(failure.text)"]
        case .success(let read): return problems(read, ids: ids, when: when)
        }
    }

    /// The differences between `read` and the sample's rows `ids`.
    func problems(_ read: Rows, ids: [Int64], when: String) -> [String] {
        let place = "table '\(table)' \(when)"
        let names = sample.schema.fields.map(\.name)
        guard read.fields.map(\.name) == names else {
            return ["\(place): `\(sql)` returned the columns \(read.fields.map(\.name).joined(separator: ", ")); "
                + "asked for \(names.joined(separator: ", "))"]
        }
        let expectedIDs = ids.sorted()
        let readIDs = read.rows.map { row -> Int64? in
            switch row[0] {
            case .int(let id)?: id
            case .text(let text)?: Int64(text)  // an integer may come back as its text (ReadBackEquality)
            default: nil
            }
        }
        var found: [String] = []
        if readIDs != expectedIDs.map(Optional.some) {
            let missing = expectedIDs.filter { !readIDs.contains($0) }
            let extra = readIDs.compactMap { $0 }.filter { !expectedIDs.contains($0) }
            var parts = ["the query returned \(read.rows.count) rows; \(expectedIDs.count) were expected"]
            if !missing.isEmpty { parts.append("missing ids \(Self.list(missing))") }
            if !extra.isEmpty { parts.append("ids never written (or not of this load) \(Self.list(extra))") }
            if missing.isEmpty, extra.isEmpty { parts.append("ids in the order \(Self.list(readIDs.map { $0 ?? -1 }))") }
            found.append("\(place): \(parts.joined(separator: "; "))")
        }
        var differences: [String] = []
        for (index, row) in read.rows.enumerated() {
            guard let id = readIDs[index], expectedIDs.contains(id) else { continue }
            for (column, field) in sample.schema.fields.enumerated() {
                let written = WarehouseSample.value(of: field, id: id)
                let got = row[column]
                if ReadBackEquality.matches(written: written, field: field, read: got) { continue }
                differences.append("\(place), row \(index + 1) (id \(id)), column '\(field.name)' (\(field.type)"
                    + "\(field.annotation.map { " \($0)" } ?? "")): wrote \(written?.description ?? "NULL"), read back "
                    + (got.map { "\($0) (\(SampleValue.typeName(of: $0)))" } ?? "NULL") + Self.firstDifference(written, got))
            }
        }
        found += differences.prefix(Self.reportedDifferences)
        if differences.count > Self.reportedDifferences {
            found.append("\(place): \(differences.count - Self.reportedDifferences) more values differ")
        }
        return found
    }

    /// Where two texts or byte strings part, e.g. "; they differ from
    /// byte 256 on" (empty for other values).
    private static func firstDifference(_ written: SampleValue?, _ read: SampleValue?) -> String {
        let pair: ([UInt8], [UInt8])
        switch (written, read) {
        case (.text(let a)?, .text(let b)?): pair = (Array(a.utf8), Array(b.utf8))
        case (.bytes(let a)?, .bytes(let b)?): pair = (a, b)
        default: return ""
        }
        let common = zip(pair.0, pair.1).prefix { $0 == $1 }.count
        return "; they differ from byte \(common + 1) on"
    }

    private static func list(_ ids: [Int64]) -> String {
        ids.prefix(12).map(String.init).joined(separator: ", ") + (ids.count > 12 ? ", …" : "")
    }

    /// The cell at `row`, `column` of a batch, typed by its column.
    private static func cell(_ batch: ImportedBatch, row: Int, column: Int) -> SampleValue? {
        if batch.isNull(row: row, column: column) { return nil }
        switch batch.schema.fields[column].type {
        case .bool: return batch.bool(row: row, column: column).map(SampleValue.bool)
        case .int64: return batch.int64(row: row, column: column).map(SampleValue.int)
        case .float64: return batch.double(row: row, column: column).map(SampleValue.double)
        case .utf8: return batch.string(row: row, column: column).map(SampleValue.text)
        case .binary: return batch.binary(row: row, column: column).map { .bytes(Array($0)) }
        case .date32: return batch.date32(row: row, column: column).map(SampleValue.date)
        case .timestampMicrosecondsUTC: return batch.timestamp(row: row, column: column).map(SampleValue.timestamp)
        case .null: return nil
        }
    }
}
