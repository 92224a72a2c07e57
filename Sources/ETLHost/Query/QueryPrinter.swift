import ETLPluginKit

/// How `etl-host query` prints a result.
public enum QueryOutputFormat: String, Sendable, CaseIterable {
    /// Aligned columns for a terminal, numbers right-aligned, `NULL` for
    /// NULL, control characters escaped (`\n`), a `(N rows)` line; at most
    /// ``QueryPrinter/tableRowCap`` rows unless `--limit` says otherwise.
    case table
    /// RFC 4180: a header line, CRLF line ends, fields quoted when they
    /// hold `,`, `"`, CR or LF (quotes doubled); NULL is an empty field,
    /// an empty text `""`.
    case csv
    /// JSON Lines: one object per row, keys in column order, numbers as
    /// numbers, NULL as null, JSON columns as JSON.
    case json
}

/// Prints a query's rows in a ``QueryOutputFormat``, as they stream in:
/// CSV and JSON Lines go out row by row; a table is printed at the end
/// (its widths need every row it shows).
///
/// ```swift
/// var printer = QueryPrinter(format: .csv, limit: nil, schema: rows.schema) { print($0, terminator: "") }
/// while let batch = try rows.next() { if !printer.add(batch) { break } }
/// printer.finish()
/// ```
public struct QueryPrinter {
    /// The rows a table shows when no `--limit` is given.
    public static let tableRowCap = 100

    private let format: QueryOutputFormat
    private let limit: Int?
    private let fields: [ArrowField]
    private let keys: [String]
    private let emit: (String) -> Void
    private var buffer = ""
    private var tableRows: [[QueryValue]] = []
    /// Rows printed (or kept for the table) so far.
    public private(set) var rowsShown = 0
    /// Rows the result had beyond those shown (counted for tables only).
    public private(set) var rowsNotShown = 0

    /// A printer for rows of `schema`. `limit`: at most this many rows
    /// (nil: every row for csv and json, ``tableRowCap`` for a table).
    /// `emit` receives the text, in chunks.
    public init(format: QueryOutputFormat, limit: Int?, schema: ArrowBatchSchema, emit: @escaping (String) -> Void) {
        self.format = format
        self.limit = limit ?? (format == .table ? Self.tableRowCap : nil)
        fields = schema.fields
        keys = Self.uniqueKeys(schema.fields.map(\.name))
        self.emit = emit
        if format == .csv {
            buffer += fields.map { Self.csvField($0.name) }.joined(separator: ",") + "\r\n"
        }
    }

    /// Takes the rows of `batch`; returns false once the limit is reached
    /// and no more rows are wanted (a table still counts the rest: pass
    /// them on, ``add(_:)`` only counts them then).
    public mutating func add(_ batch: ImportedBatch) -> Bool {
        for row in 0..<batch.rowCount {
            if let limit, rowsShown >= limit {
                guard format == .table else { return false }
                rowsNotShown += batch.rowCount - row
                return true
            }
            let values = fields.indices.map { QueryValue(batch, row: row, column: $0, field: fields[$0]) }
            rowsShown += 1
            switch format {
            case .table: tableRows.append(values)
            case .csv: buffer += values.map(Self.csvValue).joined(separator: ",") + "\r\n"
            case .json: buffer += Self.jsonObject(keys, values) + "\n"
            }
            if buffer.utf8.count >= 1 << 16 { flush() }
        }
        return true
    }

    /// Prints what is left: the whole table, or the last buffered rows.
    public mutating func finish() {
        if format == .table { buffer += Self.table(fields: fields, rows: tableRows, notShown: rowsNotShown) }
        flush()
    }

    private mutating func flush() {
        guard !buffer.isEmpty else { return }
        emit(buffer)
        buffer = ""
    }

    // MARK: table

    static func table(fields: [ArrowField], rows: [[QueryValue]], notShown: Int) -> String {
        let header = fields.map { escaped($0.name) }
        let cells = rows.map { $0.map(tableCell) }
        let rightAligned = fields.map { [.int64, .float64].contains($0.type) || $0.annotation.map(isDecimal) == true }
        let widths = header.indices.map { column in
            ([header[column]] + cells.map { $0[column] }).map(\.count).max() ?? 0
        }
        func line(_ row: [String]) -> String {
            row.indices.map { column in
                let padding = String(repeating: " ", count: widths[column] - row[column].count)
                if rightAligned[column] { return padding + row[column] }
                return column == row.count - 1 ? row[column] : row[column] + padding
            }.joined(separator: "  ").trimmingTrailingSpaces
        }
        var lines = [line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
        lines += cells.map(line)
        let shown = rows.count == 1 ? "(1 row)" : "(\(rows.count) rows)"
        lines.append(notShown == 0 ? shown
            : "... \(notShown) more \(notShown == 1 ? "row" : "rows") (\(rows.count) shown; --limit N or --format csv for all)")
        return lines.joined(separator: "\n") + "\n"
    }

    private static func isDecimal(_ annotation: ArrowFieldAnnotation) -> Bool {
        if case .decimal = annotation { return true }
        return false
    }

    static func tableCell(_ value: QueryValue) -> String {
        switch value {
        case .null: "NULL"
        case .number(let text), .json(let text), .text(let text): escaped(text)
        case .bool(let value): value ? "true" : "false"
        }
    }

    /// Control characters as escapes (`\n`, `\r`, `\t`, `\u{1B}`), so a
    /// value stays on its line.
    static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    // MARK: csv

    static func csvValue(_ value: QueryValue) -> String {
        switch value {
        case .null: ""
        case .bool(let value): value ? "true" : "false"
        case .number(let text): text
        case .text(let text), .json(let text): text.isEmpty ? "\"\"" : csvField(text)
        }
    }

    static func csvField(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D })
        else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    // MARK: json

    static func jsonObject(_ keys: [String], _ values: [QueryValue]) -> String {
        var out = "{"
        for (index, value) in values.enumerated() {
            if index > 0 { out += "," }
            out += JSONStringWriter.quoted(keys[index]) + ":"
            switch value {
            case .null: out += "null"
            case .bool(let value): out += value ? "true" : "false"
            case .number(let text), .json(let text): out += text
            case .text(let text): out += JSONStringWriter.quoted(text)
            }
        }
        return out + "}"
    }

    /// Column names as JSON keys: a repeated name gets `_2`, `_3`, ... (a
    /// JSON object cannot hold a key twice).
    static func uniqueKeys(_ names: [String]) -> [String] {
        var used = Set<String>()
        return names.map { name in
            var key = name
            var suffix = 2
            while used.contains(key) {
                key = "\(name)_\(suffix)"
                suffix += 1
            }
            used.insert(key)
            return key
        }
    }
}

extension String {
    /// The text without the spaces at its end (a table line's padding).
    fileprivate var trimmingTrailingSpaces: String {
        guard let last = lastIndex(where: { $0 != " " }) else { return "" }
        return String(self[...last])
    }
}
