/// One column of a spooled batch: a source name and, per row, a kind and
/// bytes. Appending never allocates per cell; buffers grow geometrically.
public struct CellColumn: Sendable {
    /// The column's name in the source.
    public var name: String
    /// One kind per row.
    public var kinds: [UInt8] = []
    /// `rows + 1` offsets into ``bytes``.
    public var offsets: [UInt32] = [0]
    /// The cells' bytes, back to back.
    public var bytes: [UInt8] = []

    /// An empty column called `name`, with room for `rows` cells of
    /// `bytes` bytes in all (a guess: more grows the buffers).
    public init(name: String, reservingRows rows: Int = 0, bytes: Int = 0) {
        self.name = name
        kinds.reserveCapacity(rows)
        offsets.reserveCapacity(rows + 1)
        if bytes > 0 { self.bytes.reserveCapacity(bytes) }
    }

    /// The number of rows.
    public var rowCount: Int { kinds.count }

    /// Appends a cell.
    public mutating func append(_ kind: CellKind, _ value: UnsafeRawBufferPointer) {
        kinds.append(kind.rawValue)
        // As typed bytes: Array copies a contiguous buffer with memcpy.
        if let base = value.baseAddress, value.count > 0 {
            bytes.append(contentsOf: UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: value.count))
        }
        offsets.append(UInt32(truncatingIfNeeded: bytes.count))
    }

    /// Appends a cell from a string.
    public mutating func append(_ kind: CellKind, _ text: String) {
        var text = text
        text.withUTF8 { append(kind, UnsafeRawBufferPointer($0)) }
    }

    /// Appends a missing cell.
    public mutating func appendNull() {
        kinds.append(CellKind.null.rawValue)
        offsets.append(UInt32(truncatingIfNeeded: bytes.count))
    }

    /// Pads with missing cells up to `rows` rows.
    public mutating func padNulls(to rows: Int) {
        while kinds.count < rows { appendNull() }
    }

    /// This column with the missing cells taken from `other` (as many
    /// rows): the cells of one field that came in two places, such as a
    /// member column and the records sent whole.
    public func filling(_ other: CellColumn) -> CellColumn {
        var merged = CellColumn(name: name, reservingRows: rowCount, bytes: bytes.count + other.bytes.count)
        for row in 0 ..< rowCount {
            let (column, kind) = kinds[row] != CellKind.null.rawValue || row >= other.rowCount ? (self, kinds[row]) : (other, other.kinds[row])
            column.bytes.withUnsafeBytes { bytes in
                merged.append(CellKind(rawValue: kind) ?? .null,
                              UnsafeRawBufferPointer(rebasing: bytes[Int(column.offsets[row]) ..< Int(column.offsets[row + 1])]))
            }
        }
        return merged
    }
}

/// A batch of cell columns read back from a spool: views into one buffer.
public struct CellBatch {
    /// A read-only view of one column.
    public struct Column {
        /// The source name.
        public let name: String
        let kinds: UnsafePointer<UInt8>
        let offsets: UnsafePointer<UInt32>
        let bytes: UnsafePointer<UInt8>

        /// The kind of the cell in `row`.
        public func kind(_ row: Int) -> CellKind { CellKind(rawValue: kinds[row]) ?? .null }

        /// The bytes of the cell in `row`.
        public func value(_ row: Int) -> UnsafeRawBufferPointer {
            let start = Int(offsets[row])
            return UnsafeRawBufferPointer(start: bytes + start, count: Int(offsets[row + 1]) - start)
        }

        /// The cells without the name: pointers only, so that a per-cell
        /// loop holding it retains nothing.
        var cells: Cells { Cells(kinds: kinds, offsets: offsets, bytes: bytes) }
    }

    /// The cells of one column (``Column/cells``), read inline.
    struct Cells {
        let kinds: UnsafePointer<UInt8>
        let offsets: UnsafePointer<UInt32>
        let bytes: UnsafePointer<UInt8>

        /// The kind of the cell in `row`.
        @inline(__always)
        func kind(_ row: Int) -> CellKind { CellKind(rawValue: kinds[row]) ?? .null }

        /// The bytes of the cell in `row`.
        @inline(__always)
        func value(_ row: Int) -> UnsafeRawBufferPointer {
            let start = Int(offsets[row])
            return UnsafeRawBufferPointer(start: bytes + start, count: Int(offsets[row &+ 1]) &- start)
        }
    }

    /// The number of rows.
    public let rowCount: Int
    /// The columns, in spool order.
    public let columns: [Column]
    /// The stream row number of this batch's first row (0-based).
    public let firstRow: Int
}
