#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A streaming RFC 4180 CSV reader that appends records straight into an
/// ``ArrowBatchBuilder`` as untyped utf8 columns.
///
/// It reads the input in chunks (1 MiB by default) into one reusable
/// buffer and parses bytes, not characters: memory stays flat whatever the
/// file size, and field bytes are copied once, into the builder.
///
/// What it accepts:
/// - fields separated by the dialect's delimiter; records ended by LF,
///   CRLF or a lone CR; the last record with or without a line break;
/// - quoted fields holding delimiters, line breaks and doubled quotes
///   (`"say ""hi"""` is `say "hi"`); a quote inside an unquoted field is
///   kept as an ordinary character;
/// - a UTF-8 byte order mark at the start (dropped).
///
/// What it produces:
/// - an **empty unquoted field is NULL**; a **quoted empty field `""` is the
///   empty string**;
/// - column names from the header line, kept raw (duplicates and empty
///   names included: the host gives every field a column of its own), or
///   `column_1`, `column_2`, ... without a header; a NUL byte in a header
///   name is an error (Arrow names are C strings: it would cut the name);
/// - blank lines are skipped (with more than one column such a line cannot
///   be a record); in a one-column file a blank line is a NULL value,
///   except blank lines before the first record or at the end of the file,
///   which are ignored.
///
/// Errors are ``PluginError/Code/data`` and name the file, the line and,
/// where it applies, the field: `"orders.csv line 17: expected 4 fields,
/// found 5"`, `"orders.csv line 9: quoted field opened here is never
/// closed"`, `"orders.csv line 3, field 2: invalid UTF-8 at byte 4 of the
/// field; convert the file to UTF-8"`.
///
/// ```swift
/// let reader = CSVReader(input: try CSVFileInput(path: path), fileName: "orders.csv",
///                        dialect: try CSVDialect())
/// let builder = try ArrowBatchBuilder(schema: CSVReader.schema(columns: try reader.readHeader()))
/// while try reader.readBatch(into: builder, maxRows: 65_536) {
///     // finish the batch, hand it on ...
/// }
/// ```
public final class CSVReader {
    /// Called with a malformed record (wrong number of fields, invalid
    /// UTF-8): where it is, its raw bytes (without the line ending) and what
    /// is wrong. Return true to skip the record and go on (the host's
    /// `--max-bad-rows`), false to fail as without a handler.
    public var badRecordHandler: ((_ location: String, _ raw: UnsafeRawBufferPointer, _ reason: String) -> Bool)?

    /// The name used in error messages (usually the file's base name).
    public let fileName: String
    /// The dialect.
    public let dialect: CSVDialect

    private let input: any CSVInput
    private let chunkSize: Int

    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// Start of the next record in `buffer`.
    private var start = 0
    /// End of the bytes read into `buffer`.
    private var end = 0
    private var endOfInput = false
    private var byteOrderMarkChecked = false

    /// The fields of the last parsed record: byte ranges in `buffer` and
    /// kinds (0 unquoted, 1 quoted, 2 quoted with doubled quotes).
    private var fieldStarts: UnsafeMutablePointer<Int>
    private var fieldEnds: UnsafeMutablePointer<Int>
    private var fieldKinds: UnsafeMutablePointer<UInt8>
    private var fieldCapacity = 64
    private var fieldCount = 0
    /// Where the record after the last parsed one starts.
    private var recordEnd = 0
    /// Line breaks inside quoted fields of the last parsed record.
    private var recordNewlines = 0

    private var scratch: UnsafeMutablePointer<UInt8>
    private var scratchCapacity = 256

    private var header: [String]?
    private var pendingBlankRows = 0

    /// The 1-based line where the next record starts.
    public private(set) var line = 1
    /// The number of data rows appended so far.
    public private(set) var rowsRead = 0

    /// Creates a reader. Nothing is read until ``readHeader()`` or
    /// ``readBatch(into:maxRows:maxBytes:)``.
    ///
    /// - Parameter chunkSize: bytes per read (the buffer grows beyond it
    ///   only for a record longer than a chunk).
    public init(input: any CSVInput, fileName: String, dialect: CSVDialect, chunkSize: Int = 1 << 20) {
        self.input = input
        self.fileName = fileName
        self.dialect = dialect
        self.chunkSize = max(16, chunkSize)
        capacity = self.chunkSize
        buffer = .allocate(capacity: capacity)
        fieldStarts = .allocate(capacity: fieldCapacity)
        fieldEnds = .allocate(capacity: fieldCapacity)
        fieldKinds = .allocate(capacity: fieldCapacity)
        scratch = .allocate(capacity: scratchCapacity)
    }

    deinit {
        buffer.deallocate()
        fieldStarts.deallocate()
        fieldEnds.deallocate()
        fieldKinds.deallocate()
        scratch.deallocate()
    }

    /// The schema of the batches: one untyped utf8 column
    /// (`etl.untyped = 1`) per name.
    public static func schema(columns: [String]) -> ArrowBatchSchema {
        ArrowBatchSchema(columns.map { ArrowField($0, .utf8, annotation: .untyped) })
    }

    // MARK: Header

    /// The column names: the header record's fields, raw, or `column_1`,
    /// ... from the first record's width when the dialect has no header.
    /// Reads only as far as the first record. Idempotent.
    ///
    /// - Throws: ``PluginError/Code/data`` for an empty file or a malformed
    ///   first record; I/O errors of the input.
    public func readHeader() throws(PluginError) -> [String] {
        guard let names = try readHeaderIfPresent() else {
            throw PluginError.data("\(fileName) is empty: expected "
                + (dialect.hasHeader ? "a header line with the column names" : "at least one line"))
        }
        return names
    }

    /// As ``readHeader()``, but nil for an input without any record (no
    /// bytes, or blank lines only) instead of an error: a source with no
    /// columns and no rows (the CSV extractor's empty file).
    public func readHeaderIfPresent() throws(PluginError) -> [String]? {
        if let header { return header }
        while true {
            guard try nextRecord() else { return nil }
            if isBlankRecord {
                consumeRecord()
                continue
            }
            break
        }
        var names: [String] = []
        if dialect.hasHeader {
            if let (badLine, reason) = recordUTF8Problem() {
                throw PluginError.data("\(fileName) line \(badLine), \(reason)")
            }
            for index in 0..<fieldCount {
                let bytes = fieldBytes(index)
                if let nul = bytes.firstIndex(of: 0) {
                    throw PluginError.data("\(fileName) line \(line), field \(index + 1): the column name holds a NUL "
                        + "byte at byte \(nul + 1); a column name cannot contain NUL (a UTF-16 file? convert it to UTF-8)")
                }
                names.append(String(decoding: bytes, as: UTF8.self))
            }
            consumeRecord()
        } else {
            names = (1...fieldCount).map { "column_\($0)" }
        }
        header = names
        return names
    }

    // MARK: Rows

    /// Appends up to `maxRows` records (and stops early once `maxBytes` of
    /// field bytes were appended) to `builder`, whose columns must match
    /// ``readHeader()``.
    ///
    /// - Returns: `false` once the end of the input was reached (the rows
    ///   appended by that call are still valid), `true` when there may be
    ///   more.
    /// - Throws: ``PluginError/Code/data`` naming the file, line and field;
    ///   the builder then holds the rows before the bad one.
    public func readBatch(into builder: ArrowBatchBuilder, maxRows: Int = 65_536,
                          maxBytes: Int = 64 << 20) throws(PluginError) -> Bool {
        let columns = try readHeader().count
        guard builder.columnCount == columns else {
            throw PluginError.invalidArgument("\(fileName): the builder has \(builder.columnCount) "
                + "columns but the file has \(columns)")
        }
        var rows = 0
        var bytes = 0
        while rows < maxRows, bytes < maxBytes {
            guard try nextRecord() else { return false }
            if isBlankRecord {
                if columns == 1 { pendingBlankRows += 1 }
                consumeRecord()
                continue
            }
            if pendingBlankRows > 0 {
                while pendingBlankRows > 0, rows < maxRows {
                    builder.appendNull()
                    try endRow(builder)
                    pendingBlankRows -= 1
                    rows += 1
                }
                // Full: this record is parsed again by the next call.
                if rows == maxRows { return true }
            }
            guard fieldCount == columns else {
                let reason = "expected \(columns) field\(columns == 1 ? "" : "s"), found \(fieldCount)"
                if offerBadRecord(location: "\(fileName) line \(line)", reason: reason) { continue }
                throw PluginError.data("\(fileName) line \(line): \(reason)")
            }
            if let (badLine, reason) = recordUTF8Problem() {
                if offerBadRecord(location: "\(fileName) line \(badLine)", reason: reason) { continue }
                throw PluginError.data("\(fileName) line \(badLine), \(reason)")
            }
            try appendRecord(to: builder)
            bytes += recordEnd - start
            consumeRecord()
            rows += 1
        }
        return true
    }

    private func endRow(_ builder: ArrowBatchBuilder) throws(PluginError) {
        do {
            try builder.endRow()
        } catch {
            throw PluginError(error.code, "\(fileName) line \(line): \(error.message)")
        }
        rowsRead += 1
    }

    private func appendRecord(to builder: ArrowBatchBuilder) throws(PluginError) {
        let base = buffer
        let starts = fieldStarts
        let ends = fieldEnds
        let kinds = fieldKinds
        for index in 0..<fieldCount {
            let fieldStart = starts[index]
            let fieldEnd = ends[index]
            switch kinds[index] {
            case 0:
                if fieldStart == fieldEnd {
                    builder.appendNull()
                } else {
                    builder.appendUTF8(UnsafeRawBufferPointer(start: base + fieldStart, count: fieldEnd - fieldStart),
                                       validate: false)
                }
            case 1:
                builder.appendUTF8(UnsafeRawBufferPointer(start: base + fieldStart, count: fieldEnd - fieldStart),
                                   validate: false)
            default:
                builder.appendUTF8(unescape(index), validate: false)
            }
        }
        try endRow(builder)
    }

    /// The bytes of field `index` of the last record, doubled quotes undone.
    private func fieldBytes(_ index: Int) -> UnsafeRawBufferPointer {
        if fieldKinds[index] == 2 { return unescape(index) }
        return UnsafeRawBufferPointer(start: buffer + fieldStarts[index], count: fieldEnds[index] - fieldStarts[index])
    }

    /// Copies field `index` into the scratch buffer, turning `""` into `"`.
    private func unescape(_ index: Int) -> UnsafeRawBufferPointer {
        let fieldStart = fieldStarts[index]
        let fieldEnd = fieldEnds[index]
        if fieldEnd - fieldStart > scratchCapacity {
            scratch.deallocate()
            scratchCapacity = max(fieldEnd - fieldStart, scratchCapacity * 2)
            scratch = .allocate(capacity: scratchCapacity)
        }
        let quote = dialect.quote
        var position = fieldStart
        var count = 0
        while position < fieldEnd {
            let byte = buffer[position]
            scratch[count] = byte
            count += 1
            position += byte == quote ? 2 : 1
        }
        return UnsafeRawBufferPointer(start: scratch, count: count)
    }

    private var isBlankRecord: Bool {
        fieldCount == 1 && fieldKinds[0] == 0 && fieldStarts[0] == fieldEnds[0]
    }

    /// Checks the whole record at once (delimiters and quotes are ASCII, so
    /// this is the same as checking every field), locating the first bad
    /// byte for the message.
    private func recordUTF8Problem() -> (line: Int, reason: String)? {
        let bytes = UnsafeRawBufferPointer(start: buffer + start, count: recordEnd - start)
        guard let bad = UTF8Validator.firstInvalidOffset(bytes) else { return nil }
        let position = start + bad
        var field = fieldCount - 1
        for index in 0..<fieldCount where position < fieldEnds[index] {
            field = index
            break
        }
        var badLine = line
        for offset in start..<position where buffer[offset] == 0x0A { badLine += 1 }
        return (badLine, "field \(field + 1): invalid UTF-8 at byte "
            + "\(position - fieldStarts[field] + 1) of the field; convert the file to UTF-8")
    }

    /// Offers the current record to ``badRecordHandler``; when it takes it,
    /// the record is skipped and true is returned.
    private func offerBadRecord(location: String, reason: String) -> Bool {
        guard let badRecordHandler else { return false }
        var end = recordEnd
        while end > start, buffer[end - 1] == 0x0A || buffer[end - 1] == 0x0D { end -= 1 }
        guard badRecordHandler(location, UnsafeRawBufferPointer(start: buffer + start, count: end - start), reason) else {
            return false
        }
        consumeRecord()
        return true
    }

    private func consumeRecord() {
        start = recordEnd
        line += 1 + recordNewlines
    }

    // MARK: Parsing

    private enum Outcome {
        case record, needMore, endOfInput
    }

    /// Parses the next record into the field arrays, reading more input as
    /// needed; `false` at the end of the input.
    private func nextRecord() throws(PluginError) -> Bool {
        while true {
            switch try parseRecord() {
            case .record: return true
            case .endOfInput: return false
            case .needMore: try fill()
            }
        }
    }

    /// Reads the next chunk, first moving the unparsed tail to the front
    /// (and growing the buffer only when a record is longer than it).
    private func fill() throws(PluginError) {
        if start > 0 {
            if end > start { (buffer).update(from: buffer + start, count: end - start) }
            end -= start
            recordEnd -= start
            start = 0
        }
        if capacity - end < chunkSize / 2 {
            let newCapacity = max(capacity * 2, end + chunkSize)
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
            grown.update(from: buffer, count: end)
            buffer.deallocate()
            buffer = grown
            capacity = newCapacity
        }
        let count = try input.read(into: UnsafeMutableRawBufferPointer(start: buffer + end, count: capacity - end))
        if count == 0 {
            endOfInput = true
        } else {
            end += count
        }
    }

    @inline(never)
    private func growFields() {
        let newCapacity = fieldCapacity * 2
        func grow<T>(_ pointer: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<T> {
            let grown = UnsafeMutablePointer<T>.allocate(capacity: newCapacity)
            grown.moveInitialize(from: pointer, count: fieldCapacity)
            pointer.deallocate()
            return grown
        }
        fieldStarts = grow(fieldStarts)
        fieldEnds = grow(fieldEnds)
        fieldKinds = grow(fieldKinds)
        fieldCapacity = newCapacity
    }

    /// One attempt at parsing the record at `start` from the bytes in the
    /// buffer. Consumes nothing: ``consumeRecord()`` does.
    private func parseRecord() throws(PluginError) -> Outcome {
        if !byteOrderMarkChecked {
            if end - start < 3, !endOfInput { return .needMore }
            if end - start >= 3, buffer[start] == 0xEF, buffer[start + 1] == 0xBB, buffer[start + 2] == 0xBF {
                start += 3
            }
            byteOrderMarkChecked = true
        }
        let base = buffer
        let end = self.end
        let atEnd = endOfInput
        let delimiter = dialect.delimiter
        let quote = dialect.quote
        var position = start
        if position >= end { return atEnd ? .endOfInput : .needMore }

        var count = 0
        var newlines = 0
        while true {
            if count == fieldCapacity { growFields() }
            if position < end, base[position] == quote {
                // Quoted field.
                let contentStart = position + 1
                var scan = contentStart
                var escaped = false
                var fieldNewlines = 0
                while true {
                    while scan < end {
                        let byte = base[scan]
                        if byte == quote { break }
                        if byte == 0x0A { fieldNewlines += 1 }
                        scan += 1
                    }
                    if scan >= end {
                        if atEnd {
                            throw PluginError.data("\(fileName) line \(line + newlines): quoted field "
                                + "opened here is never closed")
                        }
                        return .needMore
                    }
                    if scan + 1 < end {
                        if base[scan + 1] == quote {
                            escaped = true
                            scan += 2
                            continue
                        }
                        break
                    }
                    if atEnd { break }
                    return .needMore
                }
                fieldStarts[count] = contentStart
                fieldEnds[count] = scan
                fieldKinds[count] = escaped ? 2 : 1
                count += 1
                newlines += fieldNewlines
                position = scan + 1
                if position >= end {
                    if atEnd { break }
                    return .needMore
                }
                let next = base[position]
                if next == delimiter {
                    position += 1
                    continue
                }
                if next != 0x0A, next != 0x0D {
                    throw PluginError.data("\(fileName) line \(line + newlines): field \(count) has "
                        + "characters after its closing quote; a quote inside a quoted field must be doubled")
                }
            } else {
                // Unquoted field.
                var scan = position
                while scan < end {
                    let byte = base[scan]
                    if byte == delimiter || byte == 0x0A || byte == 0x0D { break }
                    scan += 1
                }
                if scan >= end, !atEnd { return .needMore }
                fieldStarts[count] = position
                fieldEnds[count] = scan
                fieldKinds[count] = 0
                count += 1
                position = scan
                if position >= end { break }
                if base[position] == delimiter {
                    position += 1
                    continue
                }
            }
            // A line break ends the record: LF, CRLF or a lone CR.
            if base[position] == 0x0D {
                if position + 1 < end {
                    position += base[position + 1] == 0x0A ? 2 : 1
                } else if atEnd {
                    position += 1
                } else {
                    return .needMore
                }
            } else {
                position += 1
            }
            break
        }
        fieldCount = count
        recordEnd = position
        recordNewlines = newlines
        return .record
    }
}
