import ETLPluginKit
#if canImport(Glibc)
import Glibc
#endif

/// Flattens a record column (`etl.record`: one JSON object per row) into one
/// cell column per top-level key, in first-seen order: scalars keep their
/// JSON kind (a JSON string stays a string, a number a number), nested
/// objects and arrays keep their JSON text byte for byte, a missing key or
/// `null` is a missing cell.
///
/// A key repeated within one record (`{"a":1,"a":2}`) loses nothing: the
/// second value is the field `a#2` (the third `a#3`, ...), which loads as
/// column `a_2` (see ``RepeatedFieldNames``). A record that also has a key
/// really called `a#2` is refused as bad data rather than merged with it,
/// and so is a key that starts with NUL (`\u0000`): the host's own columns
/// have such source names (``TableSchema/deletedAtSource``).
struct RecordFlattener {
    private let scanner = JSONObjectScanner(duplicateKeys: .keepAll)
    private var columns: [CellColumn] = []
    private var keys: [[UInt8]] = []
    /// Per column of the batch: made for a repeated key (`a#2`).
    private var madeForRepeat: [Bool] = []
    private var byHash: [UInt64: [Int]] = [:]
    /// Per member position in a record, the column its key had in the
    /// previous record: records mostly repeat their keys in the same
    /// order, so a byte comparison finds the column without hashing.
    private var columnAtPosition: [Int] = []
    /// The source names made for repeated keys so far in the stream.
    private(set) var repeated = RepeatedFieldNames()
    /// Every key seen so far in the stream.
    private var realKeys: Set<String> = []
    /// Per field, the bytes per row of its cells in the last batch that
    /// had it: a new batch's column reserves that much (and a little
    /// more) up front instead of growing, and copying, its bytes about
    /// twenty times from empty.
    private var bytesPerRow: [String: Double] = [:]

    /// Flattens the record column of `batch`; `lineColumn` (the extractor's
    /// `_line`) names lines in errors.
    mutating func flatten(_ batch: ImportedBatch, column: Int, lineColumn: Int?, stream: String, firstRow: Int) throws -> [CellColumn] {
        columns.removeAll(keepingCapacity: true)
        keys.removeAll(keepingCapacity: true)
        madeForRepeat.removeAll(keepingCapacity: true)
        byHash.removeAll(keepingCapacity: true)
        columnAtPosition.removeAll(keepingCapacity: true)
        let rows = batch.rowCount
        let text = batch.schema.fields[column].type == .utf8 ? TextColumnReader(batch, column: column) : nil
        for row in 0 ..< rows {
            guard let record = text.map({ $0.value(row) }) ?? batch.utf8(row: row, column: column) else {
                pad(to: row + 1)
                continue
            }
            func place() -> String {
                lineColumn.flatMap { batch.int64(row: row, column: $0) }.map { "line \($0)" } ?? "row \(firstRow + row + 1)"
            }
            let members: JSONMembers
            do { members = try scanner.scan(record) } catch {
                throw HostError(.badData, "stream '\(stream)' \(place()): \(error.message)")
            }
            for (position, member) in members.enumerated() {
                var index: Int
                if position < columnAtPosition.count, case let guess = columnAtPosition[position], !madeForRepeat[guess],
                   Self.same(member.key, keys[guess]) {
                    index = guess // what columnIndex would find
                } else {
                    index = try columnIndex(key: member.key, hash: member.keyHash, forRepeat: false, rows: rows, filledRows: row,
                                            stream: stream, place: place)
                    if position < columnAtPosition.count { columnAtPosition[position] = index } else { columnAtPosition.append(index) }
                }
                var occurrence = 1
                while columns[index].rowCount > row {
                    // The key already has a value in this record: this is its next occurrence.
                    occurrence += 1
                    let name = member.keyString
                    let source = RepeatedFieldNames.sourceName(name, occurrence: occurrence)
                    repeated.record(source, repeating: name)
                    let bytes = Array(source.utf8)
                    index = try bytes.withUnsafeBytes { key in
                        try columnIndex(key: key, hash: JSONKeyHash.hash(key), forRepeat: true, rows: rows, filledRows: row,
                                        stream: stream, place: place)
                    }
                }
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
        if rows > 0 {
            for column in columns { bytesPerRow[column.name] = Double(column.bytes.count) / Double(rows) }
        }
        return columns
    }

    /// Whether `key` holds the bytes of `known` (inlined: the per-member
    /// check of the column guessed from the previous record).
    @inline(__always)
    private static func same(_ key: UnsafeRawBufferPointer, _ known: [UInt8]) -> Bool {
        known.withUnsafeBytes { known in
            guard known.count == key.count else { return false }
            guard let mine = key.baseAddress, let theirs = known.baseAddress else { return true }
            return memcmp(mine, theirs, key.count) == 0
        }
    }

    /// The column for `key`, created (padded with missing cells for earlier
    /// rows) the first time the key is seen in this batch.
    ///
    /// - Throws: `.badData` when a real key and the source name of a
    ///   repeated key are the same (`a#2`): they cannot share a column.
    private mutating func columnIndex(key: UnsafeRawBufferPointer, hash: UInt64, forRepeat: Bool, rows: Int, filledRows: Int,
                                      stream: String, place: () -> String) throws -> Int {
        if let candidates = byHash[hash] {
            for index in candidates where keys[index].elementsEqual(key) {
                guard madeForRepeat[index] == forRepeat else { throw collision(keys[index], stream: stream, place: place()) }
                return index
            }
        }
        let name = String(decoding: key, as: UTF8.self)
        if !forRepeat, key.first == 0 {
            throw HostError(.badData, "stream '\(stream)' \(place()): the key \(JSONValue.string(name).jsonText) starts with a NUL character (\\u0000), which etl-host reserves for its own columns (such as _etl_deleted_at); rename the key")
        }
        // The same check against earlier batches of the stream.
        if forRepeat ? realKeys.contains(name) : repeated.bases[name] != nil {
            throw collision(Array(key), stream: stream, place: place())
        }
        if !forRepeat { realKeys.insert(name) }
        let index = columns.count
        let expectedBytes = bytesPerRow[name].map { Int($0 * Double(rows) * 1.0625) + 64 } ?? 0
        var column = CellColumn(name: name, reservingRows: rows, bytes: expectedBytes)
        column.padNulls(to: filledRows)
        columns.append(column)
        keys.append(Array(key))
        madeForRepeat.append(forRepeat)
        byHash[hash, default: []].append(index)
        return index
    }

    private func collision(_ key: [UInt8], stream: String, place: String) -> HostError {
        let name = String(decoding: key, as: UTF8.self)
        let repeatedName = repeated.base(of: name)
        return HostError(.badData, "stream '\(stream)' \(place): the key \"\(name)\" is also the source name etl-host gives to a repeated key \"\(repeatedName)\" (its second and later occurrences in one record are \"\(repeatedName)#2\", ...); rename one of them")
    }

    private mutating func pad(to rows: Int) {
        for index in columns.indices where columns[index].rowCount < rows {
            columns[index].padNulls(to: rows)
        }
    }
}
