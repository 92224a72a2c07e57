import ETLPluginKit

/// Flattens a record column (`etl.record`: one JSON object per row) into one
/// cell column per top-level key, in first-seen order: scalars keep their
/// JSON kind (a JSON string stays a string, a number a number), nested
/// objects and arrays keep their JSON text byte for byte, a missing key or
/// `null` is a missing cell.
struct RecordFlattener {
    private let scanner = JSONObjectScanner()
    private var columns: [CellColumn] = []
    private var keys: [[UInt8]] = []
    private var byHash: [UInt64: [Int]] = [:]

    /// Flattens the record column of `batch`; `lineColumn` (the extractor's
    /// `_line`) names lines in errors.
    mutating func flatten(_ batch: ImportedBatch, column: Int, lineColumn: Int?, stream: String, firstRow: Int) throws -> [CellColumn] {
        columns.removeAll(keepingCapacity: true)
        keys.removeAll(keepingCapacity: true)
        byHash.removeAll(keepingCapacity: true)
        let rows = batch.rowCount
        for row in 0 ..< rows {
            guard let record = batch.utf8(row: row, column: column) else {
                pad(to: row + 1)
                continue
            }
            let members: JSONMembers
            do { members = try scanner.scan(record) } catch {
                let place = lineColumn.flatMap { batch.int64(row: row, column: $0) }.map { "line \($0)" } ?? "row \(firstRow + row + 1)"
                throw HostError(.badData, "stream '\(stream)' \(place): \(error.message)")
            }
            for member in members {
                let index = columnIndex(for: member, rows: rows, filledRows: row)
                switch member.kind {
                case .null: columns[index].appendNull()
                case .true, .false: columns[index].append(.boolean, member.raw)
                case .number: columns[index].append(.number, member.raw)
                case .string: columns[index].append(.string, member.stringBytes)
                case .object, .array: columns[index].append(.json, member.raw)
                }
            }
            pad(to: row + 1)
        }
        return columns
    }

    /// The column for a member's key, created (padded with missing cells for
    /// earlier rows) the first time the key is seen in this batch.
    private mutating func columnIndex(for member: JSONMember, rows: Int, filledRows: Int) -> Int {
        if let candidates = byHash[member.keyHash] {
            for index in candidates where member.keyEquals(keys[index]) {
                return index
            }
        }
        let index = columns.count
        var column = CellColumn(name: member.keyString, reservingRows: rows)
        column.padNulls(to: filledRows)
        columns.append(column)
        keys.append(Array(member.key))
        byHash[member.keyHash, default: []].append(index)
        return index
    }

    private mutating func pad(to rows: Int) {
        for index in columns.indices where columns[index].rowCount < rows {
            columns[index].padNulls(to: rows)
        }
    }
}
