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
            column.bytes.withUnsafeBytes { put($0, at: header[slot + 4]) }
        }
        var done = 0
        while done < size {
            let written = write(descriptor, block + done, size - done)
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

    /// Opens the file at `path`.
    ///
    /// - Throws: `.io` naming the file.
    init(path: String) throws {
        self.path = path
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw HostError(.io, "cannot open the cell spool '\(path)': \(errnoDescription())") }
    }

    deinit { close(descriptor) }

    /// The next block as a batch whose first row is stream row `firstRow`
    /// (0-based), or `nil` at the end of the file.
    ///
    /// - Throws: `.io` naming the file when it ends inside a block or a
    ///   block's layout does not fit its size.
    func next(firstRow: Int) throws -> PinnedCellBatch? {
        var size = 0
        let got = try withUnsafeMutableBytes(of: &size) { try read(into: $0.baseAddress!, count: 8, allowEnd: true) }
        guard got else { return nil }
        let headerBytes = CellSpool.headerWords * 8
        guard size >= headerBytes, size <= 1 << 40 else { throw damaged("a block's size is \(size)") }
        let block = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        do {
            block.storeBytes(of: size, as: Int.self)
            _ = try read(into: block + 8, count: size - 8, allowEnd: false)
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
