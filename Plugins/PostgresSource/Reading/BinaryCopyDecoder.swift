import ETLPluginKit
import ETLPostgresShared

/// Decodes the data of `COPY (...) TO STDOUT (FORMAT binary)` into batch
/// rows: the 19-byte header once, then tuples (a field count, then each
/// field's length and bytes; -1 is NULL), then the trailer (count -1).
///
/// Messages need not end on a tuple boundary: an incomplete tuple is kept
/// until the next message completes it. The last `trailingTextColumns`
/// fields of each tuple (the cursor and key as text, for the state) are
/// not appended to the batch; those of the last row are kept in
/// ``lastTrailingValues``.
///
/// Related PostgreSQL documentation: https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4
final class BinaryCopyDecoder {
    /// The signature every binary COPY starts with.
    static let signature: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00]

    private let columns: [SourceStream.Column]
    private let trailingTextColumns: Int
    private let streamName: String
    /// Bytes of an incomplete tuple, waiting for the next message.
    private var pending: [UInt8] = []
    private var headerRead = false
    /// Whether the trailer was seen.
    private(set) var finished = false
    /// Rows decoded so far (for messages naming a row).
    private(set) var rowsDecoded: Int64 = 0
    /// The trailing text fields of the last decoded row.
    private(set) var lastTrailingValues: [String?] = []
    /// Scratch space for numeric and uuid text.
    private var scratch: [UInt8] = []

    init(stream: String, columns: [SourceStream.Column], trailingTextColumns: Int) {
        self.streamName = stream
        self.columns = columns
        self.trailingTextColumns = trailingTextColumns
        scratch.reserveCapacity(64)
    }

    /// Throws unless the data ended with the trailer and nothing is left
    /// over: a COPY that ended early would otherwise lose rows silently.
    func checkComplete() throws(PostgresError) {
        guard finished, pending.isEmpty else {
            throw PostgresError(.io, "stream \"\(streamName)\": the COPY data ended after \(rowsDecoded) rows without its "
                + "trailer (\(pending.count) bytes of an incomplete row left)", retryable: true)
        }
    }

    /// Decodes every complete tuple of `message` (after what is pending)
    /// into `builder`.
    func consume(_ message: UnsafeRawBufferPointer, into builder: ArrowBatchBuilder) throws(PostgresError) {
        if pending.isEmpty {
            let used = try decode(message, into: builder)
            if used < message.count { pending.append(contentsOf: message[used...]) }
            return
        }
        pending.append(contentsOf: message)
        let joined = pending
        pending = []
        let used: Int
        do {
            used = try joined.withUnsafeBytes { bytes in try decode(bytes, into: builder) }
        } catch {
            throw PostgresError.wrapping(error)
        }
        if used < joined.count { pending = Array(joined[used...]) }
    }

    /// Decodes from the start of `bytes`; returns the bytes used.
    private func decode(_ bytes: UnsafeRawBufferPointer, into builder: ArrowBatchBuilder) throws(PostgresError) -> Int {
        var offset = 0
        if !headerRead {
            guard bytes.count >= 19 else { return 0 }
            guard bytes.prefix(11).elementsEqual(Self.signature) else {
                throw PostgresError.internalError("stream \"\(streamName)\": the server's COPY data does not start with the binary signature")
            }
            let extensionLength = Int(Self.int32(bytes, 15))
            guard bytes.count >= 19 + extensionLength else { return 0 }
            offset = 19 + extensionLength
            headerRead = true
        }
        let expected = columns.count + trailingTextColumns
        while offset + 2 <= bytes.count, !finished {
            let fieldCount = Int(Int16(bitPattern: Self.int16(bytes, offset)))
            if fieldCount == -1 {
                finished = true
                return offset + 2
            }
            guard fieldCount == expected else {
                throw PostgresError.internalError("stream \"\(streamName)\": a COPY row has \(fieldCount) fields, expected \(expected)")
            }
            // The whole tuple must be here before any of it is appended.
            var end = offset + 2
            for _ in 0..<fieldCount {
                guard end + 4 <= bytes.count else { return offset }
                let length = Int(Int32(bitPattern: Self.int32(bytes, end)))
                end += 4 + max(length, 0)
                guard end <= bytes.count else { return offset }
            }
            try decodeTuple(bytes, from: offset + 2, into: builder)
            offset = end
        }
        return offset
    }

    private func decodeTuple(_ bytes: UnsafeRawBufferPointer, from start: Int, into builder: ArrowBatchBuilder)
        throws(PostgresError)
    {
        var offset = start
        rowsDecoded += 1
        for column in columns {
            let length = Int(Int32(bitPattern: Self.int32(bytes, offset)))
            offset += 4
            guard length >= 0 else {
                builder.appendNull()
                continue
            }
            let value = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length])
            offset += length
            try append(value, of: column, to: builder)
        }
        if trailingTextColumns > 0 {
            var trailing: [String?] = []
            for _ in 0..<trailingTextColumns {
                let length = Int(Int32(bitPattern: Self.int32(bytes, offset)))
                offset += 4
                guard length >= 0 else { trailing.append(nil); continue }
                trailing.append(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length]), as: UTF8.self))
                offset += length
            }
            lastTrailingValues = trailing
        }
        do {
            try builder.endRow()
        } catch {
            throw PostgresError.wrapping(error)
        }
    }

    /// Microseconds from 1970-01-01 to PostgreSQL's epoch, 2000-01-01.
    private static let epochOffsetMicroseconds: Int64 = 946_684_800_000_000
    /// Days from 1970-01-01 to 2000-01-01.
    private static let epochOffsetDays: Int32 = 10_957

    private func append(_ value: UnsafeRawBufferPointer, of column: SourceStream.Column, to builder: ArrowBatchBuilder)
        throws(PostgresError)
    {
        switch column.kind {
        case .boolean:
            builder.append(value.first.map { $0 != 0 })
        case .integer(let bytes, let unsigned):
            switch (bytes, unsigned) {
            case (2, _): builder.append(Int64(Int16(bitPattern: Self.int16(value, 0))))
            case (4, true): builder.append(Int64(Self.int32(value, 0)))
            case (4, false): builder.append(Int64(Int32(bitPattern: Self.int32(value, 0))))
            default: builder.append(Int64(bitPattern: Self.int64(value, 0)))
            }
        case .double:
            builder.append(Double(bitPattern: Self.int64(value, 0)))
        case .numeric, .unconstrainedNumeric:
            scratch.removeAll(keepingCapacity: true)
            guard BinaryValueText.appendNumeric(value, to: &scratch) else {
                throw refusal(column, "the numeric is NaN or infinite, which a decimal cannot hold")
            }
            scratch.withUnsafeBytes { builder.appendUTF8($0, validate: false) }
        case .text, .json, .array:
            builder.appendUTF8(value, validate: false)
        case .jsonb:
            // Format version 1, then the JSON text.
            builder.appendUTF8(UnsafeRawBufferPointer(rebasing: value.dropFirst()), validate: false)
        case .date:
            let days = Int32(bitPattern: Self.int32(value, 0))
            guard days != .max, days != .min else { throw refusal(column, "the date is infinity or -infinity") }
            builder.appendDate32(daysSinceEpoch: days + Self.epochOffsetDays)
        case .timestamp:
            let micros = Int64(bitPattern: Self.int64(value, 0))
            guard micros != .max, micros != .min else { throw refusal(column, "the timestamp is infinity or -infinity") }
            builder.appendTimestamp(microsecondsSinceEpoch: micros + Self.epochOffsetMicroseconds)
        case .uuid:
            scratch.removeAll(keepingCapacity: true)
            BinaryValueText.appendUUID(value, to: &scratch)
            scratch.withUnsafeBytes { builder.appendUTF8($0, validate: false) }
        case .bytea:
            builder.appendBinary(value)
        }
    }

    /// A data error naming the stream, column and row.
    private func refusal(_ column: SourceStream.Column, _ reason: String) -> PostgresError {
        PostgresError.data("stream \"\(streamName)\": column \"\(column.name)\" of row \(rowsDecoded): \(reason); "
            + "select it as text with a query stream (queries:) to read it")
    }

    private static func int16(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt16 {
        UInt16(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    private static func int32(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    private static func int64(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
        UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
}
