#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The growing buffers of one column inside an ``ArrowBatchBuilder``.
///
/// Buffers are `malloc`'d and grown geometrically with `realloc`, so an
/// append costs a capacity check and a store. The validity bitmap is only
/// allocated when the first null arrives. `finish` hands the buffers to an
/// exported array node and starts empty again, sized from the last batch.
struct ColumnBuffer {
    let type: ArrowColumnType
    /// Cells written (the current row's cell included, if any).
    var length = 0
    var nullCount = 0
    var validity: UnsafeMutablePointer<UInt8>?
    var validityCapacity = 0
    /// Fixed-width values, boolean bits, or the int32 offsets of utf8 and
    /// binary columns.
    var values: UnsafeMutableRawPointer?
    var valuesCapacity = 0
    /// The bytes of utf8 and binary values.
    var data: UnsafeMutablePointer<UInt8>?
    var dataCount = 0
    var dataCapacity = 0
    /// Capacities to start the next batch with (rows, data bytes).
    var rowHint: Int
    var dataHint: Int
    /// The most value bytes a utf8 or binary column may hold: `Int32.max`,
    /// the reach of int32 offsets (lower in tests).
    let dataLimit: Int

    init(type: ArrowColumnType, rowHint: Int, dataLimit: Int = Int(Int32.max)) {
        self.type = type
        self.dataLimit = dataLimit
        self.rowHint = max(rowHint, 16)
        self.dataHint = max(rowHint, 16) * 8
    }

    var isVariableWidth: Bool { type == .utf8 || type == .binary }

    // MARK: Growth (slow paths)

    /// Bytes of the values buffer needed for `rows` cells.
    @inline(__always)
    private func valuesBytes(rows: Int) -> Int {
        switch type {
        case .bool: (rows + 7) / 8
        case .utf8, .binary: (rows + 1) * 4
        case .date32: rows * 4
        case .null: 0
        default: rows * 8
        }
    }

    @inline(never)
    mutating func growValues(rows: Int) {
        let needed = valuesBytes(rows: max(rows, rowHint))
        let capacity = max(needed, valuesCapacity * 2, 64)
        let isNew = values == nil
        values = realloc(values, capacity)!
        valuesCapacity = capacity
        if isNew, isVariableWidth {
            values!.storeBytes(of: Int32(0), as: Int32.self)
        }
    }

    @inline(never)
    mutating func growData(bytes: Int) {
        let capacity = max(bytes, dataCapacity * 2, dataHint, 64)
        data = realloc(data, capacity)!.assumingMemoryBound(to: UInt8.self)
        dataCapacity = capacity
    }

    /// Makes room for bit `length` in the validity bitmap, creating it (all
    /// previous cells valid) when this is the first null.
    @inline(never)
    mutating func growValidity() {
        let needed = (max(length + 1, rowHint) + 7) / 8
        let capacity = max(needed, validityCapacity * 2, 8)
        let isNew = validity == nil
        validity = realloc(validity, capacity)!.assumingMemoryBound(to: UInt8.self)
        validityCapacity = capacity
        if isNew { Bitmap.setAll(validity!, count: length) }
    }

    // MARK: Appends (hot paths)

    @inline(__always)
    mutating func markValid() {
        if validity != nil {
            if length &>> 3 >= validityCapacity { growValidity() }
            Bitmap.write(validity!, length, true)
        }
    }

    @inline(__always)
    mutating func appendFixed<T: BitwiseCopyable>(_ value: T, width: Int) {
        if (length + 1) * width > valuesCapacity { growValues(rows: length + 1) }
        values!.storeBytes(of: value, toByteOffset: length * width, as: T.self)
        markValid()
        length += 1
    }

    @inline(__always)
    mutating func appendBit(_ value: Bool) {
        if length &>> 3 >= valuesCapacity { growValues(rows: length + 1) }
        Bitmap.write(values!.assumingMemoryBound(to: UInt8.self), length, value)
        markValid()
        length += 1
    }

    /// Appends bytes to a utf8 or binary column; `false` (nothing written)
    /// when the column would pass 2 GiB, the limit of int32 offsets.
    @inline(__always)
    mutating func appendBytes(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if (length + 2) * 4 > valuesCapacity { growValues(rows: length + 1) }
        let count = bytes.count
        let end = dataCount + count
        guard end <= dataLimit else { return false }
        if count > 0 {
            if end > dataCapacity { growData(bytes: end) }
            (data! + dataCount).update(from: bytes.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                       count: count)
        }
        values!.storeBytes(of: Int32(truncatingIfNeeded: end), toByteOffset: (length + 1) * 4,
                           as: Int32.self)
        dataCount = end
        markValid()
        length += 1
        return true
    }

    mutating func appendNull() {
        switch type {
        case .null:
            break
        case .bool:
            if length &>> 3 >= valuesCapacity { growValues(rows: length + 1) }
            Bitmap.write(values!.assumingMemoryBound(to: UInt8.self), length, false)
        case .utf8, .binary:
            if (length + 2) * 4 > valuesCapacity { growValues(rows: length + 1) }
            values!.storeBytes(of: Int32(truncatingIfNeeded: dataCount), toByteOffset: (length + 1) * 4,
                               as: Int32.self)
        case .date32:
            if (length + 1) * 4 > valuesCapacity { growValues(rows: length + 1) }
            values!.storeBytes(of: Int32(0), toByteOffset: length * 4, as: Int32.self)
        case .int64, .float64, .timestampMicrosecondsUTC:
            if (length + 1) * 8 > valuesCapacity { growValues(rows: length + 1) }
            values!.storeBytes(of: Int64(0), toByteOffset: length * 8, as: Int64.self)
        }
        if type != .null {
            if validity == nil || length &>> 3 >= validityCapacity { growValidity() }
            Bitmap.write(validity!, length, false)
        }
        nullCount += 1
        length += 1
    }

    /// Drops the cells after `rows` (at most the current row's one).
    mutating func truncate(to rows: Int) {
        while length > rows {
            let index = length - 1
            let isNull = type == .null || (validity.map { !Bitmap.get($0, index) } ?? false)
            if isNull { nullCount -= 1 }
            if isVariableWidth, let values {
                dataCount = Int(values.load(fromByteOffset: index * 4, as: Int32.self))
            }
            length = index
        }
    }

    // MARK: Export

    /// Moves the buffers into an exported C array node and starts empty.
    mutating func exportNode() -> ArrowArray {
        if type != .null, values == nil { growValues(rows: 0) }
        if isVariableWidth, data == nil { growData(bytes: 1) }
        let exportedValidity: UnsafeMutableRawPointer?
        if nullCount > 0, type != .null {
            exportedValidity = UnsafeMutableRawPointer(validity)
        } else {
            free(validity)
            exportedValidity = nil
        }
        let buffers: [UnsafeMutableRawPointer?]
        switch type {
        case .null: buffers = []
        case .utf8, .binary: buffers = [exportedValidity, values, UnsafeMutableRawPointer(data)]
        default: buffers = [exportedValidity, values]
        }
        let node = ArrayNodeStorage(buffers: buffers).makeNode(length: length, nullCount: nullCount)
        rowHint = max(length, 16)
        dataHint = max(dataCount, 64)
        validity = nil
        validityCapacity = 0
        values = nil
        valuesCapacity = 0
        data = nil
        dataCount = 0
        dataCapacity = 0
        length = 0
        nullCount = 0
        return node
    }

    /// Frees the buffers (the builder is going away or resetting).
    mutating func freeBuffers() {
        free(validity)
        free(values)
        free(data)
        validity = nil
        values = nil
        data = nil
        validityCapacity = 0
        valuesCapacity = 0
        dataCapacity = 0
        dataCount = 0
        length = 0
        nullCount = 0
    }
}
