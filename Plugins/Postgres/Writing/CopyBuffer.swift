import ETLPostgresShared
/// A growable byte buffer for PostgreSQL's binary COPY format, written in
/// network byte order, sent to the server in large chunks.
///
/// ```swift
/// let buffer = CopyBuffer()
/// buffer.appendHeader()
/// buffer.append(Int16(1))          // one field
/// buffer.append(Int32(8))          // its length
/// buffer.append(Int64(42))         // a bigint
/// buffer.appendTrailer()
/// ```
///
/// Related PostgreSQL documentation:
/// https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4
final class CopyBuffer {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    /// Bytes written and not yet sent.
    var count = 0

    /// How many bytes to collect before sending them.
    static let chunkSize = 1 << 20

    init(capacity: Int = CopyBuffer.chunkSize + 64 * 1024) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    deinit { base.deallocate() }

    /// Makes room for `extra` more bytes.
    @inline(__always)
    func reserve(_ extra: Int) {
        if count + extra > capacity { grow(to: count + extra) }
    }

    private func grow(to needed: Int) {
        var size = capacity * 2
        while size < needed { size *= 2 }
        let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: size)
        fresh.update(from: base, count: count)
        base.deallocate()
        base = fresh
        capacity = size
    }

    @inline(__always)
    func append(_ value: Int16) {
        reserve(2)
        UnsafeMutableRawPointer(base + count).storeBytes(of: value.bigEndian, as: Int16.self)
        count += 2
    }

    @inline(__always)
    func append(_ value: Int32) {
        reserve(4)
        UnsafeMutableRawPointer(base + count).storeBytes(of: value.bigEndian, as: Int32.self)
        count += 4
    }

    @inline(__always)
    func append(_ value: Int64) {
        reserve(8)
        UnsafeMutableRawPointer(base + count).storeBytes(of: value.bigEndian, as: Int64.self)
        count += 8
    }

    @inline(__always)
    func append(byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    @inline(__always)
    func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        UnsafeMutableRawPointer(base + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    /// A NULL field: length -1.
    @inline(__always)
    func appendNull() { append(Int32(-1)) }

    /// Reserves a field's length word and returns its position, for
    /// ``finishField(at:)`` once the value is written.
    @inline(__always)
    func beginField() -> Int {
        reserve(4)
        let at = count
        count += 4
        return at
    }

    /// Writes the length of the field begun at `at`.
    @inline(__always)
    func finishField(at: Int) {
        let length = Int32(count - at - 4)
        UnsafeMutableRawPointer(base + at).storeBytes(of: length.bigEndian, as: Int32.self)
    }

    /// `PGCOPY\n\377\r\n\0`, no flags, no header extension.
    func appendHeader() {
        let signature: [UInt8] = [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00]
        signature.withUnsafeBytes { append($0) }
        append(Int32(0))
        append(Int32(0))
    }

    /// The end of the data: a field count of -1.
    func appendTrailer() { append(Int16(-1)) }

    /// Sends what was written.
    @inline(__always)
    func flush(to sink: CopySink) {
        guard count > 0 else { return }
        sink.send(base, count: count)
        count = 0
    }
}
