import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The cell spool: pass 1's flattened record fields (``RecordFlattener``'s
/// cell columns), kept beside the stream's Arrow spool so that pass 2 reads
/// cells instead of scanning the JSON text again.
///
/// The Arrow spool stays what it is (the batches as they arrived: the
/// snapshot); the cell spool is a scratch file of the run's spool folder,
/// written and read by this process only, one block per batch of the Arrow
/// spool, in the same order, in the layout ``PinnedCellBatch`` holds in
/// memory, so that pass 2 reads a block into one buffer and uses it as it
/// is (no parsing, no copy).
///
/// A block, all integers native 64-bit: its size in bytes, its rows, its
/// column count, then per column the (start, length) of its name, the start
/// of its kinds (one byte per row), of its offsets (`rows + 1` UInt32) and
/// of its bytes and their length; starts are from the block's first byte,
/// each area 8-byte aligned.
///
/// On disk each block is an LZ4 frame (``IPCCodec``, the snapshot's LZ4
/// codec) after two native 64-bit integers: the frame's size and the
/// block's; in the frame, each column's offsets are stored as the cells'
/// lengths (``encodeOffsets(_:rows:)``), which repeat where offsets do not. Writing the cells uncompressed cost more than compressing
/// them: the page cache's copies of ~125 MB per million rows of
/// bench/generate.py's records were ~8% of a JSON Lines sync's CPU
/// (perf, 2026-12-06), and LZ4 makes them about a third of that size at
/// a fraction of the cost (bench/README.md, "2026-12-06, late").
///
/// ```swift
/// let writer = try CellSpoolWriter(path: cellsPath)
/// try writer.append(columns, rows: batch.rowCount)   // pass 1, per batch
/// try writer.finish()
/// let reader = try CellSpoolReader(path: cellsPath)
/// while let cells = try reader.next(firstRow: first) { … }  // pass 2
/// ```
enum CellSpool {
    /// Integers in a block's header: size, rows, column count.
    static let headerWords = 3
    /// Integers per column in a block's header.
    static let columnWords = 6

    /// Bytes before each block's LZ4 frame: the frame's size, the block's size.
    static let frameHeaderBytes = 16

    /// Turns a column's `rows + 1` offsets into the cells' lengths (the
    /// first stays 0), in place: lengths repeat (a date is always 10
    /// bytes) where offsets never do, so LZ4 finds them.
    static func encodeOffsets(_ offsets: UnsafeMutablePointer<UInt32>, rows: Int) {
        var previous: UInt32 = 0
        for row in 0 ..< rows + 1 {
            let offset = offsets[row]
            offsets[row] = offset &- previous
            previous = offset
        }
    }

    /// Undoes ``encodeOffsets(_:rows:)`` in place; false when the cells
    /// would end past `bytes` bytes (a damaged block).
    static func decodeOffsets(_ offsets: UnsafeMutablePointer<UInt32>, rows: Int, bytes: Int) -> Bool {
        var total = 0
        for row in 0 ..< rows + 1 {
            total &+= Int(offsets[row])
            offsets[row] = UInt32(truncatingIfNeeded: total)
        }
        return total <= bytes
    }

    /// `value` rounded up to a multiple of 8.
    static func aligned(_ value: Int) -> Int { (value + 7) & ~7 }
}

/// Writes a cell spool (see ``CellSpool``), one block per call.
final class CellSpoolWriter {
    /// The file's path.
    let path: String
    private var descriptor: Int32
    /// The block being written, reused from batch to batch (a fresh
    /// allocation of this size per batch costs page faults and zeroing).
    private var block: UnsafeMutableRawPointer?
    private var blockCapacity = 0
    /// The compressed block (after its two sizes), reused as `block` is.
    private var frame: UnsafeMutableRawPointer?
    private var frameCapacity = 0
    private let codec = IPCCodec(.lz4)

    /// Creates (or truncates) the file at `path`.
    ///
    /// - Throws: `.io` naming the file.
    init(path: String) throws {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw HostError(.io, "cannot create the cell spool '\(path)': \(errnoDescription())") }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        block?.deallocate()
        frame?.deallocate()
    }

    /// Appends one batch's cell columns, each `rows` long.
    ///
    /// - Throws: `.io` naming the file when it cannot be written.
    func append(_ columns: [CellColumn], rows: Int) throws {
        var header = [Int](repeating: 0, count: CellSpool.headerWords + CellSpool.columnWords * columns.count)
        var size = CellSpool.aligned(header.count * 8)
        var names: [[UInt8]] = []
        for (index, column) in columns.enumerated() {
            precondition(column.rowCount == rows, "column '\(column.name)' has \(column.rowCount) rows, the batch \(rows)")
            let name = Array(column.name.utf8)
            names.append(name)
            let slot = CellSpool.headerWords + CellSpool.columnWords * index
            header[slot] = size
            header[slot + 1] = name.count
            size = CellSpool.aligned(size + name.count)
            header[slot + 2] = size
            size = CellSpool.aligned(size + rows)
            header[slot + 3] = size
            size = CellSpool.aligned(size + (rows + 1) * 4)
            header[slot + 4] = size
            header[slot + 5] = column.bytes.count
            size = CellSpool.aligned(size + column.bytes.count)
        }
        header[0] = size
        header[1] = rows
        header[2] = columns.count
        if size > blockCapacity {
            self.block?.deallocate()
            self.block = .allocate(byteCount: size, alignment: 8)
            blockCapacity = size
        }
        let block = self.block!
        // Each area is followed by zeros up to the next multiple of 8.
        func put(_ bytes: UnsafeRawBufferPointer, at start: Int) {
            if let base = bytes.baseAddress, bytes.count > 0 { (block + start).copyMemory(from: base, byteCount: bytes.count) }
            let end = start + bytes.count
            (block + end).initializeMemory(as: UInt8.self, repeating: 0, count: CellSpool.aligned(end) - end)
        }
        header.withUnsafeBytes { put($0, at: 0) }
        for (index, column) in columns.enumerated() {
            let slot = CellSpool.headerWords + CellSpool.columnWords * index
            names[index].withUnsafeBytes { put($0, at: header[slot]) }
            column.kinds.withUnsafeBytes { put($0, at: header[slot + 2]) }
            column.offsets.withUnsafeBytes { put($0, at: header[slot + 3]) }
            CellSpool.encodeOffsets((block + header[slot + 3]).assumingMemoryBound(to: UInt32.self), rows: rows)
            column.bytes.withUnsafeBytes { put($0, at: header[slot + 4]) }
        }
        let bound = CellSpool.frameHeaderBytes + codec.bound(size)
        if bound > frameCapacity {
            self.frame?.deallocate()
            self.frame = .allocate(byteCount: bound, alignment: 8)
            frameCapacity = bound
        }
        let frame = self.frame!
        let compressed: Int
        do {
            compressed = try codec.compress(UnsafeRawBufferPointer(start: block, count: size),
                                            into: frame + CellSpool.frameHeaderBytes, capacity: bound - CellSpool.frameHeaderBytes)
        } catch {
            throw HostError(.io, "cannot write the cell spool '\(path)': \(error)")
        }
        frame.storeBytes(of: compressed, as: Int.self)
        frame.storeBytes(of: size, toByteOffset: 8, as: Int.self)
        let total = CellSpool.frameHeaderBytes + compressed
        var done = 0
        while done < total {
            let written = write(descriptor, frame + done, total - done)
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { throw HostError(.io, "cannot write the cell spool '\(path)': \(errnoDescription())") }
            done += written
        }
    }

    /// Closes the file.
    ///
    /// - Throws: `.io` when closing reports an error.
    func finish() throws {
        guard descriptor >= 0 else { return }
        let result = close(descriptor)
        descriptor = -1
        guard result == 0 else { throw HostError(.io, "cannot write the cell spool '\(path)': \(errnoDescription())") }
    }
}

/// Reads a cell spool (see ``CellSpool``) back, one block per batch.
final class CellSpoolReader {
    /// The file's path.
    let path: String
    private let descriptor: Int32
    /// The compressed block being read, reused from block to block.
    private var frame: UnsafeMutableRawPointer?
    private var frameCapacity = 0
    private let codec = IPCCodec(.lz4)

    /// Opens the file at `path`.
    ///
    /// - Throws: `.io` naming the file.
    init(path: String) throws {
        self.path = path
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw HostError(.io, "cannot open the cell spool '\(path)': \(errnoDescription())") }
    }

    deinit {
        close(descriptor)
        frame?.deallocate()
    }

    /// The next block as a batch whose first row is stream row `firstRow`
    /// (0-based), or `nil` at the end of the file.
    ///
    /// - Throws: `.io` naming the file when it ends inside a block or a
    ///   block's layout does not fit its size.
    func next(firstRow: Int) throws -> PinnedCellBatch? {
        var sizes = (compressed: 0, size: 0)
        let got = try withUnsafeMutableBytes(of: &sizes) {
            try read(into: $0.baseAddress!, count: CellSpool.frameHeaderBytes, allowEnd: true)
        }
        guard got else { return nil }
        let (compressed, size) = sizes
        let headerBytes = CellSpool.headerWords * 8
        guard size >= headerBytes, size <= 1 << 40 else { throw damaged("a block's size is \(size)") }
        guard compressed > 0, compressed <= codec.bound(size) else { throw damaged("a block's frame size is \(compressed)") }
        if compressed > frameCapacity {
            self.frame?.deallocate()
            self.frame = .allocate(byteCount: compressed, alignment: 8)
            frameCapacity = compressed
        }
        let frame = self.frame!
        _ = try read(into: frame, count: compressed, allowEnd: false)
        let block = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        do {
            do {
                try codec.decompress(UnsafeRawBufferPointer(start: frame, count: compressed), into: block, count: size)
            } catch {
                throw damaged("\(error)")
            }
            guard block.load(as: Int.self) == size else { throw damaged("a block's size is not the one before its frame") }
            let words = UnsafeRawPointer(block).assumingMemoryBound(to: Int.self)
            let (rows, count) = (words[1], words[2])
            guard rows >= 0, count >= 0, headerBytes + count * CellSpool.columnWords * 8 <= size else {
                throw damaged("a block's header does not fit its \(size) bytes")
            }
            var columns: [CellBatch.Column] = []
            columns.reserveCapacity(count)
            for index in 0 ..< count {
                let slot = words + CellSpool.headerWords + CellSpool.columnWords * index
                let (name, nameLength, kinds, offsets, bytes, bytesLength) = (slot[0], slot[1], slot[2], slot[3], slot[4], slot[5])
                guard name >= 0, nameLength >= 0, name + nameLength <= size, kinds >= 0, kinds + rows <= size,
                      offsets >= 0, offsets + (rows + 1) * 4 <= size, bytes >= 0, bytesLength >= 0, bytes + bytesLength <= size else {
                    throw damaged("column \(index + 1) of a block lies outside its \(size) bytes")
                }
                guard CellSpool.decodeOffsets((block + offsets).assumingMemoryBound(to: UInt32.self), rows: rows,
                                              bytes: bytesLength) else {
                    throw damaged("the cells of column \(index + 1) of a block end outside its bytes")
                }
                let base = UnsafeRawPointer(block)
                columns.append(CellBatch.Column(
                    name: String(decoding: UnsafeRawBufferPointer(start: base + name, count: nameLength), as: UTF8.self),
                    kinds: (base + kinds).assumingMemoryBound(to: UInt8.self),
                    offsets: (base + offsets).assumingMemoryBound(to: UInt32.self),
                    bytes: (base + bytes).assumingMemoryBound(to: UInt8.self)))
            }
            return PinnedCellBatch(owning: block, batch: CellBatch(rowCount: rows, columns: columns, firstRow: firstRow))
        } catch {
            block.deallocate()
            throw error
        }
    }

    /// Reads `count` bytes; false when `allowEnd` and the file ended before the first.
    private func read(into destination: UnsafeMutableRawPointer, count: Int, allowEnd: Bool) throws -> Bool {
        var done = 0
        while done < count {
            let result = Glibc.read(descriptor, destination + done, count - done)
            if result < 0, errno == EINTR { continue }
            guard result >= 0 else { throw HostError(.io, "cannot read the cell spool '\(path)': \(errnoDescription())") }
            if result == 0 {
                if done == 0, allowEnd { return false }
                throw damaged("it ends inside a block")
            }
            done += result
        }
        return true
    }

    private func damaged(_ what: String) -> HostError {
        HostError(.io, "the cell spool '\(path)' is damaged: \(what)")
    }
}
