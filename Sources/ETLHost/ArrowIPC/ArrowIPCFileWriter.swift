import ETLPluginKit
import Foundation

/// Writes batches to an Arrow IPC *file* (magic, schema, record batch
/// messages, end-of-stream marker, footer, magic), with every buffer
/// compressed on its own (``IPCCompression``), hashing the bytes as they
/// are written.
///
/// The file format rather than the bare stream: its footer lists every
/// batch, so a reader can tell a complete file from one cut short by a
/// killed run, and readers (pyarrow's `ipc.open_file`, polars'
/// `read_ipc`, DuckDB through pyarrow) open it directly. The stream is
/// inside it unchanged, so a stream reader that skips the first 8 bytes
/// reads it too.
///
/// ```swift
/// let writer = try ArrowIPCFileWriter(path: "1.arrow", schema: schema, compression: .zstd)
/// try writer.append(batch)
/// let summary = try writer.finish()   // bytes, SHA-256, rows
/// ```
///
/// Memory stays flat: one batch's body at a time. Not thread-safe.
public final class ArrowIPCFileWriter {
    /// What a finished file holds.
    public struct Summary: Sendable, Equatable {
        /// The file's size.
        public var bytes: Int
        /// The SHA-256 of the file's bytes, hex.
        public var sha256: String
        /// The rows written.
        public var rows: Int
        /// The record batches written.
        public var batches: Int
    }

    /// The file's path.
    public let path: String
    /// The columns of every batch.
    public let schema: ArrowBatchSchema
    private let compression: IPCCompression
    private let codec: IPCCodec
    private let descriptor: Int32
    private let hasher = FileDigest()
    private var written = 0
    private var rows = 0
    private var blocks: [IPCMessage.Block] = []
    private var pending: [UInt8] = []
    private var body: UnsafeMutableRawPointer
    private var bodyCapacity: Int
    private var scratch: [UInt8] = []
    private var closed = false

    /// Creates (truncates) the file at `path` and writes its header and schema.
    ///
    /// - Throws: `HostError(.io)` naming the file.
    public init(path: String, schema: ArrowBatchSchema, compression: IPCCompression = .default) throws {
        self.path = path
        self.schema = schema
        self.compression = compression
        codec = IPCCodec(compression)
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw HostError(.io, "cannot create '\(path)': \(errnoDescription())")
        }
        bodyCapacity = 1 << 16
        body = UnsafeMutableRawPointer.allocate(byteCount: bodyCapacity, alignment: 8)
        pending.reserveCapacity(1 << 20)
        append(IPCMessage.fileMagic + [0, 0])
        append(IPCMessage.encapsulate(.schema, IPCSchema.table(schema), bodyLength: 0))
    }

    deinit {
        if !closed { close(descriptor) }
        body.deallocate()
    }

    /// Appends one batch, which must have the writer's schema.
    ///
    /// - Throws: `HostError(.io)` when the file cannot be written.
    public func append(_ batch: ImportedBatch) throws {
        precondition(batch.schema.fields.map(\.type) == schema.fields.map(\.type), "the batch's columns differ from the file's")
        var nodes: [IPCMessage.FieldNode] = []
        var ranges: [IPCMessage.BufferRange] = []
        var bodyLength = 0
        for column in 0..<batch.columnCount {
            let buffers = batch.buffers(column: column)
            nodes.append(IPCMessage.FieldNode(length: Int64(buffers.rows), nullCount: Int64(buffers.nullCount)))
            try ColumnBufferLayout.forEach(buffers, scratch: &scratch) { bytes in
                ranges.append(try addToBody(bytes, at: &bodyLength))
            }
        }
        let metadata = IPCMessage.encapsulate(
            .recordBatch, IPCMessage.recordBatch(rows: batch.rowCount, nodes: nodes, buffers: ranges, compression: compression),
            bodyLength: bodyLength)
        blocks.append(IPCMessage.Block(offset: Int64(written), metadataLength: Int32(metadata.count), bodyLength: Int64(bodyLength)))
        append(metadata)
        try flushPending()
        try writeRaw(UnsafeRawBufferPointer(start: body, count: bodyLength))
        rows += batch.rowCount
    }

    /// Compresses `bytes` into the body at `length` (8-byte aligned
    /// afterwards); returns its range.
    private func addToBody(_ bytes: UnsafeRawBufferPointer, at length: inout Int) throws -> IPCMessage.BufferRange {
        let start = length
        guard bytes.count > 0 else { return IPCMessage.BufferRange(offset: Int64(start), length: 0) }
        let prefix = compression == .none ? 0 : 8
        let bound = prefix + max(codec.bound(bytes.count), bytes.count)
        reserveBody(start + bound + 8)
        var size: Int
        if compression == .none {
            (body + start).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            size = bytes.count
        } else {
            let compressed = try codec.compress(bytes, into: body + start + 8, capacity: bound - 8)
            if compressed < bytes.count {
                (body + start).storeBytes(of: Int64(bytes.count).littleEndian, as: Int64.self)
                size = 8 + compressed
            } else {
                // Compression does not pay: stored as is, length -1.
                (body + start).storeBytes(of: Int64(-1).littleEndian, as: Int64.self)
                (body + start + 8).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
                size = 8 + bytes.count
            }
        }
        length = start + size
        while length % 8 != 0 {
            (body + length).storeBytes(of: 0, as: UInt8.self)
            length += 1
        }
        return IPCMessage.BufferRange(offset: Int64(start), length: Int64(size))
    }

    private func reserveBody(_ size: Int) {
        guard size > bodyCapacity else { return }
        var capacity = bodyCapacity
        while capacity < size { capacity *= 2 }
        let bigger = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
        bigger.copyMemory(from: body, byteCount: bodyCapacity)
        body.deallocate()
        body = bigger
        bodyCapacity = capacity
    }

    /// Writes the end-of-stream marker and the footer, and closes the file.
    ///
    /// - Returns: the file's size, SHA-256 and row count.
    /// - Throws: `HostError(.io)` when the file cannot be written.
    public func finish() throws -> Summary {
        precondition(!closed, "finish() called twice")
        append(FlatBytes.littleEndian(IPCMessage.continuation) + [0, 0, 0, 0])
        let footer = FlatBufferEncoder.encode(root: IPCMessage.footer(schema: IPCSchema.table(schema), recordBatches: blocks))
        append(footer)
        append(FlatBytes.littleEndian(Int32(footer.count)) + IPCMessage.fileMagic)
        try flushPending()
        closed = true
        let synced = fsync(descriptor) == 0 ? 0 : errno
        guard close(descriptor) == 0, synced == 0 else { throw writeError(synced == 0 ? errno : synced) }
        return Summary(bytes: written, sha256: hasher.finalizeHex(), rows: rows, batches: blocks.count)
    }

    /// Closes and removes the file (a failed attempt).
    public func discard() {
        if !closed {
            closed = true
            close(descriptor)
        }
        unlink(path)
    }

    private func append(_ bytes: [UInt8]) {
        pending.append(contentsOf: bytes)
        written += bytes.count
    }

    private func flushPending() throws {
        let bytes = pending
        pending.removeAll(keepingCapacity: true)
        written -= bytes.count
        try bytes.withUnsafeBytes { try writeRaw($0) }
    }

    private func writeRaw(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count > 0 else { return }
        hasher.update(bytes)
        var done = 0
        while done < bytes.count {
            let result = write(descriptor, bytes.baseAddress! + done, bytes.count - done)
            if result < 0 {
                if errno == EINTR { continue }
                throw writeError(errno)
            }
            done += result
        }
        written += bytes.count
    }

    private func writeError(_ code: Int32) -> HostError {
        let reason = code == ENOSPC ? "the disk is full" : String(cString: strerror(code))
        return HostError(.io, "cannot write '\(path)': \(reason)")
    }
}

/// The IPC buffers of one column, each starting at row 0 (IPC has no
/// array offset): validity (empty when there are no nulls), then the
/// values, or the offsets and the bytes; none for the null type.
enum ColumnBufferLayout {
    /// Calls `body` with each buffer in IPC order; a slice that does not
    /// start at a byte boundary or at offset 0 is copied into `scratch`.
    static func forEach(_ column: ImportedColumnBuffers, scratch: inout [UInt8],
                        _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let rows = column.rows
        switch column.type {
        case .null:
            return
        case .bool, .int64, .float64, .date32, .timestampMicrosecondsUTC:
            try bitmap(column.validity, start: column.start, rows: rows, scratch: &scratch, body)
            if column.type == .bool {
                try bitmap(column.values?.assumingMemoryBound(to: UInt8.self), start: column.start, rows: rows,
                           scratch: &scratch, body)
            } else {
                let width = column.type.valueWidth!
                try body(UnsafeRawBufferPointer(start: column.values.map { $0 + column.start * width }, count: rows * width))
            }
        case .utf8, .binary:
            try bitmap(column.validity, start: column.start, rows: rows, scratch: &scratch, body)
            guard rows > 0, let offsets = column.values?.assumingMemoryBound(to: Int32.self) else {
                try withUnsafeBytes(of: Int32(0)) { try body($0) }
                try body(UnsafeRawBufferPointer(start: nil, count: 0))
                return
            }
            let first = Int(offsets[column.start])
            let last = Int(offsets[column.start + rows])
            if first == 0 {
                try body(UnsafeRawBufferPointer(start: offsets + column.start, count: (rows + 1) * 4))
            } else {
                var rebased = [Int32](repeating: 0, count: rows + 1)
                for row in 0...rows { rebased[row] = offsets[column.start + row] - Int32(first) }
                try rebased.withUnsafeBytes { try body($0) }
            }
            try body(UnsafeRawBufferPointer(start: column.data.map { UnsafeRawPointer($0 + first) }, count: last - first))
        }
    }

    /// A bitmap of `rows` bits from bit `start`; empty when `bitmap` is nil.
    private static func bitmap(_ bitmap: UnsafePointer<UInt8>?, start: Int, rows: Int, scratch: inout [UInt8],
                               _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let bitmap, rows > 0 else {
            try body(UnsafeRawBufferPointer(start: nil, count: 0))
            return
        }
        let byteCount = (rows + 7) / 8
        if start % 8 == 0 {
            try body(UnsafeRawBufferPointer(start: bitmap + start / 8, count: byteCount))
            return
        }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: repeatElement(0, count: byteCount))
        for row in 0..<rows where (bitmap[(start + row) >> 3] >> UInt8((start + row) & 7)) & 1 != 0 {
            scratch[row >> 3] |= 1 << UInt8(row & 7)
        }
        try scratch.withUnsafeBytes { try body($0) }
    }
}
