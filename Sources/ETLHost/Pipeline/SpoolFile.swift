import Foundation

/// The extracted data of one stream, kept on disk between the two passes
/// of a sync: pass 1 extracts and infers the schema over every row, pass 2
/// reads the spool back and loads typed batches. Memory stays flat however
/// large the stream is.
///
/// Layout, per batch (native endian): `"SPB1"`, u32 rows, u32 columns, then
/// per column: u32 name length, name, u32 byte count, `rows` kind bytes,
/// `rows + 1` u32 offsets, the bytes.
public final class SpoolWriter {
    /// The spool file's path.
    public let path: String
    private let file: UnsafeMutablePointer<FILE>
    private var closed = false
    /// Batches written so far.
    public private(set) var batchCount = 0

    /// Creates (truncates) the spool file at `path`.
    public init(path: String) throws {
        guard let file = fopen(path, "wb") else {
            throw HostError(.io, "cannot create the spool file '\(path)': \(errnoDescription())")
        }
        setvbuf(file, nil, _IOFBF, 1 << 20)
        self.path = path
        self.file = file
    }

    deinit { if !closed { fclose(file) } }

    /// Appends one batch of columns, all of the same row count.
    public func append(_ columns: [CellColumn], rows: Int) throws {
        try write("SPB1".utf8.map { $0 })
        try write(UInt32(rows))
        try write(UInt32(columns.count))
        for column in columns {
            precondition(column.rowCount == rows, "column \(column.name) has \(column.rowCount) rows, batch \(rows)")
            let name = Array(column.name.utf8)
            try write(UInt32(name.count))
            try write(name)
            try write(UInt32(column.bytes.count))
            try write(column.kinds)
            try column.offsets.withUnsafeBytes { try write($0) }
            try write(column.bytes)
        }
        batchCount += 1
    }

    /// Flushes and closes the file.
    public func finish() throws {
        guard !closed else { return }
        closed = true
        let flushed = fflush(file) == 0
        let error = errno
        fclose(file)
        guard flushed else { throw spoolError(error) }
    }

    private func write(_ value: UInt32) throws {
        var value = value
        try withUnsafeBytes(of: &value) { try write($0) }
    }

    private func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    private func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count > 0 else { return }
        if fwrite(bytes.baseAddress!, 1, bytes.count, file) != bytes.count { throw spoolError(errno) }
    }

    private func spoolError(_ code: Int32) -> HostError {
        let reason = code == ENOSPC ? "the disk is full" : String(cString: strerror(code))
        return HostError(.io, "cannot write the spool file '\(path)': \(reason); the warehouse was not touched")
    }
}

/// Reads a spool back, one batch at a time, into one reusable buffer.
public final class SpoolReader {
    private let file: UnsafeMutablePointer<FILE>
    private let path: String
    private var buffer: UnsafeMutableRawPointer
    private var capacity: Int
    private var rowsSoFar = 0

    /// Opens the spool at `path`.
    public init(path: String) throws {
        guard let file = fopen(path, "rb") else {
            throw HostError(.io, "cannot open the spool file '\(path)': \(errnoDescription())")
        }
        setvbuf(file, nil, _IOFBF, 1 << 20)
        self.file = file
        self.path = path
        capacity = 1 << 16
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
    }

    deinit {
        fclose(file)
        buffer.deallocate()
    }

    /// The next batch (valid until the next call), or nil at the end.
    public func next() throws -> CellBatch? {
        var magic = [UInt8](repeating: 0, count: 4)
        let got = fread(&magic, 1, 4, file)
        if got == 0, feof(file) != 0 { return nil }
        guard got == 4, magic == Array("SPB1".utf8) else { throw corrupt("bad batch header") }
        let rows = Int(try readUInt32())
        let columnCount = Int(try readUInt32())
        // Column bodies are read into one buffer; lay out names separately.
        var layouts: [(name: String, kinds: Int, offsets: Int, bytes: Int)] = []
        var used = 0
        for _ in 0 ..< columnCount {
            let nameLength = Int(try readUInt32())
            var name = [UInt8](repeating: 0, count: nameLength)
            if nameLength > 0, fread(&name, 1, nameLength, file) != nameLength { throw corrupt("truncated column name") }
            let byteCount = Int(try readUInt32())
            let kindsStart = used
            let offsetsStart = (kindsStart + rows + 3) & ~3
            let bytesStart = offsetsStart + (rows + 1) * 4
            let end = bytesStart + byteCount
            reserve(end)
            try readInto(at: kindsStart, count: rows)
            try readInto(at: offsetsStart, count: (rows + 1) * 4)
            try readInto(at: bytesStart, count: byteCount)
            layouts.append((String(decoding: name, as: UTF8.self), kindsStart, offsetsStart, bytesStart))
            used = (end + 7) & ~7
        }
        let base = UnsafeRawPointer(buffer)
        let columns = layouts.map { layout in
            CellBatch.Column(
                name: layout.name,
                kinds: (base + layout.kinds).assumingMemoryBound(to: UInt8.self),
                offsets: (base + layout.offsets).assumingMemoryBound(to: UInt32.self),
                bytes: (base + layout.bytes).assumingMemoryBound(to: UInt8.self)
            )
        }
        defer { rowsSoFar += rows }
        return CellBatch(rowCount: rows, columns: columns, firstRow: rowsSoFar)
    }

    /// Grows the buffer to at least `size` bytes, keeping its content.
    private func reserve(_ size: Int) {
        guard size > capacity else { return }
        var newCapacity = capacity
        while newCapacity < size { newCapacity *= 2 }
        let bigger = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 8)
        bigger.copyMemory(from: buffer, byteCount: capacity)
        buffer.deallocate()
        buffer = bigger
        capacity = newCapacity
    }

    private func readInto(at offset: Int, count: Int) throws {
        guard count > 0 else { return }
        if fread(buffer + offset, 1, count, file) != count { throw corrupt("truncated batch") }
    }

    private func readUInt32() throws -> UInt32 {
        var value: UInt32 = 0
        guard fread(&value, 4, 1, file) == 1 else { throw corrupt("truncated batch header") }
        return value
    }

    private func corrupt(_ what: String) -> HostError {
        HostError(.io, "the spool file '\(path)' is damaged: \(what)")
    }
}
