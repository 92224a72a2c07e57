#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A streaming JSON Lines reader: one JSON object per line, each fully
/// validated by a ``JSONObjectScanner`` and appended, byte for byte, to an
/// ``ArrowBatchBuilder`` as a record for the host to flatten.
///
/// It reads the input in chunks (1 MiB by default) into one reusable
/// buffer and finds line ends with `memchr`: memory stays flat whatever the
/// file size. A line longer than a chunk grows the buffer, up to
/// ``maxLineBytes`` (256 MiB by default); a longer line is an error.
///
/// What it accepts:
/// - lines ended by LF or CRLF (the CR is dropped); the last line with or
///   without a line break;
/// - blank and whitespace-only lines (space, tab, CR), which are skipped;
/// - a UTF-8 byte order mark at the start of the input (dropped).
///
/// What it produces (``schema``): `_record`, a utf8 column annotated
/// `etl.record = 1` holding each line's exact bytes (without the line
/// break), and `_line`, the 1-based line number in the file (int64), so
/// that the host can name lines in its own errors.
///
/// Errors are ``PluginError/Code/data`` and name the file, the line and,
/// for syntax errors, the column (1-based, in characters, from the start of
/// the line; after the byte order mark on line 1):
/// `"events.jsonl line 12, column 7: expected ',' or '}' after an object
/// member"`, `"events.jsonl line 3: expected a JSON object, found an
/// array"`. See ``JSONError`` for the messages. With a
/// ``badRecordHandler`` (the host's `--max-bad-rows`), a malformed line is
/// offered to it first, and skipped if it takes it.
///
/// ```swift
/// let reader = JSONLinesReader(input: try FileInput(path: path), fileName: "events.jsonl")
/// let builder = try ArrowBatchBuilder(schema: JSONLinesReader.schema)
/// while try reader.readBatch(into: builder, maxRows: 65_536) {
///     // finish the batch, hand it on ...
/// }
/// ```
public final class JSONLinesReader {
    /// The name of the record column.
    public static let recordColumn = "_record"
    /// The name of the line-number column.
    public static let lineColumn = "_line"
    /// The schema of the batches: `_record` (utf8, `etl.record = 1`) and
    /// `_line` (int64), neither nullable.
    public static let schema = ArrowBatchSchema([
        ArrowField(recordColumn, .utf8, annotation: .record, nullable: false),
        ArrowField(lineColumn, .int64, nullable: false),
    ])
    /// The default longest line: 256 MiB.
    public static let defaultMaxLineBytes = 256 << 20

    /// Called with a malformed line (not one JSON object): where it is
    /// (`"events.jsonl line 12, column 7"`, or without the column for a
    /// valid document that is not an object), its raw bytes (without the
    /// line break) and what is wrong. Return true to skip the line and go
    /// on (the host's `--max-bad-rows`), false to fail as without a
    /// handler. Lines over ``maxLineBytes`` always fail.
    public var badRecordHandler: ((_ location: String, _ raw: UnsafeRawBufferPointer, _ reason: String) -> Bool)?

    /// The name used in error messages (usually the file's path).
    public let fileName: String
    /// The longest line accepted, in bytes (line break excluded).
    public let maxLineBytes: Int

    private let input: any ByteInput
    private let chunkSize: Int
    private let scanner = JSONObjectScanner()
    /// The scanner of ``nextRecordMembers()``: every occurrence of a key.
    private lazy var memberScanner = JSONObjectScanner(duplicateKeys: .keepAll)

    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// Start of the next line in `buffer`.
    private var start = 0
    /// End of the bytes read into `buffer`.
    private var end = 0
    /// Where to continue looking for the next line break (no LF before it).
    private var searchFrom = 0
    private var endOfInput = false
    private var byteOrderMarkChecked = false

    /// The number of the last line read (0 before the first).
    public private(set) var line = 0
    /// The number of records returned or appended so far.
    public private(set) var recordsRead = 0
    /// The number of malformed lines that ``badRecordHandler`` took.
    public private(set) var recordsSkipped = 0

    /// Creates a reader. Nothing is read until the first call.
    ///
    /// - Parameters:
    ///   - chunkSize: bytes per read (the buffer grows beyond it only for
    ///     a line longer than a chunk).
    ///   - maxLineBytes: the longest line accepted.
    public init(input: any ByteInput, fileName: String, chunkSize: Int = 1 << 20,
                maxLineBytes: Int = JSONLinesReader.defaultMaxLineBytes) {
        self.input = input
        self.fileName = fileName
        self.chunkSize = max(16, chunkSize)
        self.maxLineBytes = max(1, maxLineBytes)
        capacity = self.chunkSize
        buffer = .allocate(capacity: capacity)
    }

    deinit { buffer.deallocate() }

    /// Appends up to `maxRows` records to `builder` (made from ``schema``),
    /// stopping early once `maxBytes` of record bytes were appended.
    ///
    /// - Returns: `false` once the end of the input was reached (the rows
    ///   appended by that call are still valid), `true` when there may be
    ///   more.
    /// - Throws: ``PluginError/Code/data`` naming the file, line and column;
    ///   the builder then holds the rows before the bad line.
    public func readBatch(into builder: ArrowBatchBuilder, maxRows: Int = 65_536,
                          maxBytes: Int = 64 << 20) throws(PluginError) -> Bool {
        guard builder.columnCount == 2 else {
            throw PluginError.invalidArgument("\(fileName): the builder has \(builder.columnCount) columns; "
                + "make it from JSONLinesReader.schema")
        }
        var rows = 0
        var bytes = 0
        while rows < maxRows, bytes < maxBytes {
            guard let record = try nextRecord() else { return false }
            builder.appendUTF8(record.bytes, validate: false) // valid JSON is valid UTF-8
            builder.append(Int64(record.line))
            do {
                try builder.endRow()
            } catch {
                throw PluginError(error.code, "\(fileName) line \(record.line): \(error.message)")
            }
            rows += 1
            bytes += record.bytes.count
        }
        return true
    }

    /// The next non-blank line, validated as one JSON object: its bytes
    /// (without the line break; valid until the next call) and its 1-based
    /// line number. `nil` at the end of the input.
    ///
    /// - Throws: ``PluginError/Code/data`` for a line that is not one JSON
    ///   object (unless ``badRecordHandler`` takes it) or is too long,
    ///   naming the file and line.
    public func nextRecord() throws(PluginError) -> (bytes: UnsafeRawBufferPointer, line: Int)? {
        try next(collectingMembers: false).map { ($0.bytes, $0.line) }
    }

    /// The next non-blank line as ``nextRecord()`` gives it, and its
    /// top-level members from the same scan (every occurrence of a
    /// repeated key, as ``JSONObjectScanner/DuplicateKeyPolicy/keepAll``
    /// reports them): one scan of each line validates it and finds its
    /// members. The members are valid until the next call.
    ///
    /// - Throws: as ``nextRecord()``, with the same texts.
    public func nextRecordMembers() throws(PluginError) -> (bytes: UnsafeRawBufferPointer, line: Int, members: JSONMembers)? {
        try next(collectingMembers: true)
    }

    private func next(collectingMembers: Bool) throws(PluginError)
        -> (bytes: UnsafeRawBufferPointer, line: Int, members: JSONMembers)? {
        while let (lineStart, lineEnd) = try nextLine() {
            var index = lineStart
            while index < lineEnd, JSONByte.isWhitespace(buffer[index]) { index += 1 }
            if index == lineEnd { continue } // blank
            let bytes = UnsafeRawBufferPointer(start: buffer + lineStart, count: lineEnd - lineStart)
            var members = JSONMembers.empty
            do {
                if collectingMembers { members = try memberScanner.scan(bytes, keepingScanner: false) } else { try scanner.validateObject(bytes) }
            } catch {
                let location: String
                switch error.kind {
                case .notAnObject: location = "\(fileName) line \(line)"
                case .syntax: location = "\(fileName) line \(line), column \(error.column)"
                }
                if let badRecordHandler, badRecordHandler(location, bytes, error.message) {
                    recordsSkipped += 1
                    continue
                }
                throw PluginError.data("\(location): \(error.message)")
            }
            recordsRead += 1
            return (bytes, line, members)
        }
        return nil
    }

    /// The byte range of the next line in `buffer`, line break (LF or
    /// CRLF) excluded, reading more input as needed; `nil` at the end.
    private func nextLine() throws(PluginError) -> (start: Int, end: Int)? {
        while true {
            if !byteOrderMarkChecked {
                if end - start < 3, !endOfInput {
                    try fill()
                    continue
                }
                if end - start >= 3, buffer[start] == 0xEF, buffer[start + 1] == 0xBB, buffer[start + 2] == 0xBF {
                    start += 3
                    searchFrom = start
                }
                byteOrderMarkChecked = true
            }
            if searchFrom < end, let found = memchr(buffer + searchFrom, 0x0A, end - searchFrom) {
                let newline = UnsafeMutableRawPointer(buffer).distance(to: found)
                return try take(upTo: newline, next: newline + 1)
            }
            searchFrom = end
            if endOfInput {
                guard start < end else { return nil }
                return try take(upTo: end, next: end)
            }
            // (+ 1: the line may end with a CR whose LF is still to come.)
            if end - start > maxLineBytes + 1 { throw tooLong(line + 1) }
            try fill()
        }
    }

    /// Consumes the line from `start` to `lineEnd` (exclusive), the next
    /// line starting at `next`.
    private func take(upTo lineEnd: Int, next: Int) throws(PluginError) -> (start: Int, end: Int) {
        line += 1
        let lineStart = start
        var contentEnd = lineEnd
        if contentEnd > lineStart, buffer[contentEnd - 1] == JSONByte.carriageReturn { contentEnd -= 1 }
        if contentEnd - lineStart > maxLineBytes { throw tooLong(line) }
        start = next
        searchFrom = next
        return (lineStart, contentEnd)
    }

    private func tooLong(_ number: Int) -> PluginError {
        let limit = maxLineBytes % (1 << 20) == 0 ? "\(maxLineBytes >> 20) MiB" : "\(maxLineBytes) bytes"
        return PluginError.data("\(fileName) line \(number) is longer than \(limit), the limit for one "
            + "record; is the file JSON Lines (one object per line)?")
    }

    /// Reads the next chunk, first moving the unread tail to the front (and
    /// growing the buffer only when a line is longer than it).
    private func fill() throws(PluginError) {
        if start > 0 {
            if end > start { buffer.update(from: buffer + start, count: end - start) }
            end -= start
            searchFrom -= start
            start = 0
        }
        if capacity > 4 * chunkSize, end <= chunkSize {
            // A long line is behind us: give its memory back.
            resize(to: 2 * chunkSize)
        } else if capacity - end < chunkSize / 2 {
            resize(to: max(capacity * 2, end + chunkSize))
        }
        let count = try input.read(into: UnsafeMutableRawBufferPointer(start: buffer + end, count: capacity - end))
        if count == 0 {
            endOfInput = true
        } else {
            end += count
        }
    }

    private func resize(to newCapacity: Int) {
        let resized = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        resized.update(from: buffer, count: end)
        buffer.deallocate()
        buffer = resized
        capacity = newCapacity
    }

    /// The size of the read buffer (tests check that it stays bounded).
    var bufferCapacity: Int { capacity }
}
