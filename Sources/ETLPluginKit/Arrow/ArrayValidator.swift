/// Validation of an imported `"+s"` ArrowArray against its schema: what
/// keeps a buggy plugin from crashing the host.
///
/// Checks that the structure matches the schema (buffer and child counts),
/// that lengths and offsets are consistent and in range, that null_count
/// agrees with the validity bitmap (or is -1, unknown), that utf8 offsets
/// are monotonic and the bytes valid UTF-8, and that utf8 and binary
/// offsets start at 0 in an array of offset 0 (the contract's rule, stricter
/// than Arrow: a slice says so with its offset).
///
/// Before a buffer is read, the extent its column declares (a validity
/// bitmap of `offset + length` bits, `offset + length + 1` offsets, the bytes
/// the offsets span, fixed-width values) is checked to be readable memory
/// (``ReadableMemory``): a length that runs past the end of its buffer's
/// mapping is refused, naming the buffer, instead of crashing the process.
/// What the C Data Interface cannot tell (the allocated size of a buffer
/// inside readable memory) cannot be checked.
enum ArrayValidator {
    /// The largest length or offset accepted: anything larger is corrupt.
    static let lengthLimit: Int64 = 1 << 40

    /// Validates `array` and returns a view of each column. With
    /// ``ImportedBatch/Origin/ownFile`` the readable-memory probes and the
    /// UTF-8 check are skipped (see there); the layout checks stay.
    static func validate(_ array: UnsafePointer<ArrowArray>, schema: ArrowBatchSchema,
                         origin: ImportedBatch.Origin = .plugin)
        throws(PluginError) -> [ColumnView]
    {
        let probes = origin == .plugin
        let root = array.pointee
        guard root.release != nil else {
            throw PluginError.data("the batch was already released (release is NULL)")
        }
        try checkRange(root.length, "the batch length")
        try checkRange(root.offset, "the batch offset")
        guard root.n_buffers == 1 else {
            throw PluginError.data("a \"+s\" batch must have n_buffers = 1 (validity), has \(root.n_buffers)")
        }
        guard root.dictionary == nil else {
            throw PluginError.data("a batch must not have a dictionary")
        }
        guard let rootBuffers = root.buffers else {
            throw PluginError.data("the batch's buffers pointer is NULL")
        }
        if let validity = rootBuffers[0] {
            if probes { try requireReadable(validity, bytes: (Int(root.offset) + Int(root.length) + 7) / 8,
                                "the batch's validity bitmap (buffers[0])",
                                for: "offset \(root.offset) + length \(root.length)") }
            let nulls = Bitmap.countClear(validity.assumingMemoryBound(to: UInt8.self),
                                          offset: Int(root.offset), length: Int(root.length))
            guard nulls == 0 else {
                throw PluginError.data("the batch has \(nulls) null rows at the struct level; "
                    + "ABI v1 batches have no null rows: put nulls in the columns")
            }
        } else if root.null_count != 0, root.null_count != -1 {
            throw PluginError.data("the batch has null_count = \(root.null_count) but no validity bitmap")
        }
        guard root.n_children == Int64(schema.count) else {
            throw PluginError.data("the batch has \(root.n_children) columns but its schema has "
                + "\(schema.count) (\(schema.fields.map(\.name).joined(separator: ", ")))")
        }
        guard schema.count == 0 || root.children != nil else {
            throw PluginError.data("the batch has \(schema.count) columns but children is NULL")
        }
        let rows = Int(root.length)
        var views: [ColumnView] = []
        views.reserveCapacity(schema.count)
        for (index, field) in schema.fields.enumerated() {
            let label = "column \(index + 1) (\"\(field.name)\", \(field.type))"
            guard let child = root.children[index] else {
                throw PluginError.data("\(label): the child array pointer is NULL")
            }
            let view: ColumnView
            do {
                view = try validateColumn(child.pointee, type: field.type, rowOffset: Int(root.offset), rows: rows,
                                          probes: probes)
            } catch {
                throw PluginError.data("\(label): \(error.message)")
            }
            guard field.nullable || view.nullCount == 0 else {
                throw PluginError.data("\(label): the schema says the column has no nulls (flags without "
                    + "ARROW_FLAG_NULLABLE), but it has \(view.nullCount)")
            }
            views.append(view)
        }
        return views
    }

    private static func checkRange(_ value: Int64, _ what: String) throws(PluginError) {
        guard value >= 0, value <= lengthLimit else {
            throw PluginError.data("\(what) is \(value)")
        }
    }

    private static func validateColumn(_ child: ArrowArray, type: ArrowColumnType, rowOffset: Int, rows: Int,
                                       probes: Bool) throws(PluginError) -> ColumnView
    {
        guard child.release != nil else {
            throw PluginError.data("the array was already released (release is NULL)")
        }
        try checkRange(child.length, "the length")
        try checkRange(child.offset, "the offset")
        guard child.n_children == 0 else {
            throw PluginError.data("has \(child.n_children) children; columns of ABI v1 have none")
        }
        guard child.dictionary == nil else {
            throw PluginError.data("is dictionary-encoded, which ABI v1 does not allow")
        }
        guard child.n_buffers == Int64(type.bufferCount) else {
            throw PluginError.data("has n_buffers = \(child.n_buffers); a \(type) array has "
                + "\(type.bufferCount)")
        }
        let length = Int(child.length)
        let offset = Int(child.offset)
        guard length >= rowOffset + rows else {
            throw PluginError.data("has length \(length) but the batch needs \(rowOffset + rows) "
                + "(offset \(rowOffset) + \(rows) rows)")
        }
        let start = offset + rowOffset
        if type == .null {
            guard child.null_count == child.length || child.null_count == -1 else {
                throw PluginError.data("null_count is \(child.null_count) but a null array of length "
                    + "\(length) has \(length) nulls")
            }
            return ColumnView(type: type, start: start, rows: rows, validity: nil, values: nil,
                              data: nil, nullCount: rows)
        }
        guard let buffers = child.buffers else {
            throw PluginError.data("the buffers pointer is NULL")
        }
        // Validity.
        var validity: UnsafePointer<UInt8>?
        var nullCount = 0
        if let bitmap = buffers[0]?.assumingMemoryBound(to: UInt8.self) {
            if probes { try requireReadable(bitmap, bytes: (offset + length + 7) / 8, "the validity bitmap (buffers[0])",
                                for: "offset \(offset) + length \(length)") }
            let nulls = Bitmap.countClear(bitmap, offset: offset, length: length)
            guard child.null_count == -1 || child.null_count == Int64(nulls) else {
                throw PluginError.data("null_count is \(child.null_count) but the validity bitmap "
                    + "has \(nulls) nulls")
            }
            if nulls > 0 {
                validity = bitmap
                nullCount = rows == length && rowOffset == 0
                    ? nulls : Bitmap.countClear(bitmap, offset: start, length: rows)
            }
        } else {
            guard child.null_count == 0 || child.null_count == -1 else {
                throw PluginError.data("null_count is \(child.null_count) but there is no validity bitmap")
            }
        }
        // Values.
        let values = buffers[1]
        guard values != nil || length == 0 else {
            throw PluginError.data("the values buffer (buffers[1]) is NULL")
        }
        var data: UnsafePointer<UInt8>?
        if !probes {
            // An own file's reader checked every buffer's size.
        } else if let values, type == .bool {
            try requireReadable(values, bytes: (offset + length + 7) / 8, "the values bitmap (buffers[1])",
                                for: "offset \(offset) + length \(length)")
        } else if let values, let width = type.valueWidth {
            try requireReadable(values, bytes: (offset + length) * width, "the values buffer (buffers[1])",
                                for: "offset \(offset) + length \(length)")
        }
        if type == .utf8 || type == .binary {
            data = try validateOffsets(values, data: buffers[2], offset: offset, length: length,
                                       utf8: type == .utf8 && probes, probes: probes)
        }
        return ColumnView(type: type, start: start, rows: rows, validity: validity, values: values,
                          data: data, nullCount: nullCount)
    }

    /// Checks int32 offsets (non-negative, monotonic) and, for utf8, that
    /// every value is valid UTF-8. Returns the data pointer.
    private static func validateOffsets(
        _ offsetsBuffer: UnsafeRawPointer?, data dataBuffer: UnsafeRawPointer?, offset: Int,
        length: Int, utf8: Bool, probes: Bool
    ) throws(PluginError) -> UnsafePointer<UInt8>? {
        guard let offsetsBuffer else { return nil }  // length == 0
        if probes { try requireReadable(offsetsBuffer, bytes: (offset + length + 1) * 4, "the offsets buffer (buffers[1])",
                            for: "offset \(offset) + length \(length) + 1") }
        let offsets = offsetsBuffer.assumingMemoryBound(to: Int32.self)
        let first = Int(offsets[offset])
        guard first >= 0 else {
            throw PluginError.data("offset \(offset) is negative (\(first))")
        }
        // The contract (etl_plugin.h, "BATCHES IN ABI v1"): an array of offset
        // 0 starts at offsets[0] == 0; a slice says so with its offset.
        guard offset > 0 || length == 0 || first == 0 else {
            throw PluginError.data("offset[0]=\(first), not 0, in an array of offset 0: every value is shifted by "
                + "\(first) byte\(first == 1 ? "" : "s") (an off-by-one in the offsets?); a slice of a larger array "
                + "must say so with the array's offset, as etl_plugin.h requires")
        }
        var previous = first
        for index in 0..<length {
            let next = Int(offsets[offset + index + 1])
            guard next >= previous else {
                throw PluginError.data("offsets are not monotonic at row \(index + 1) "
                    + "(\(previous) then \(next))")
            }
            previous = next
        }
        let last = previous
        guard last == first || dataBuffer != nil else {
            throw PluginError.data("the data buffer (buffers[2]) is NULL but the offsets span "
                + "\(last - first) bytes")
        }
        if probes, let dataBuffer, last > first {
            let readable = ReadableMemory.readablePrefix(of: dataBuffer + first, count: last - first) ?? (last - first)
            if readable < last - first {
                throw PluginError.data("the offsets span bytes \(first)..<\(last) of the data buffer (buffers[2]), "
                    + "but readable memory ends \(first + readable) bytes after its start")
            }
        }
        let data = dataBuffer?.assumingMemoryBound(to: UInt8.self)
        if utf8, let data, last > first {
            let bytes = UnsafeRawBufferPointer(start: data + first, count: last - first)
            if let bad = UTF8Validator.firstInvalidOffset(bytes) {
                let row = rowContaining(byte: first + bad, offsets: offsets, offset: offset, length: length)
                throw PluginError.data("row \(row) is not valid UTF-8")
            }
            // The whole is valid; each value must also start on a character.
            for index in 1..<max(1, length) {
                let position = Int(offsets[offset + index])
                if position < last, data[position] & 0xC0 == 0x80 {
                    throw PluginError.data("row \(index + 1) is not valid UTF-8 (it starts in the "
                        + "middle of a character)")
                }
            }
        }
        return data
    }

    /// Refuses a buffer whose declared extent is not all readable memory.
    private static func requireReadable(_ buffer: UnsafeRawPointer, bytes: Int, _ what: String, for extent: String)
        throws(PluginError)
    {
        guard let readable = ReadableMemory.readablePrefix(of: buffer, count: bytes), readable < bytes else { return }
        throw PluginError.data("\(what) needs \(bytes) bytes for \(extent), but only \(readable) are readable "
            + "(the length runs past the end of the buffer)")
    }

    /// The 1-based row whose bytes contain absolute byte `position`.
    private static func rowContaining(byte position: Int, offsets: UnsafePointer<Int32>, offset: Int,
                                      length: Int) -> Int {
        var low = 0
        var high = length - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if Int(offsets[offset + middle]) <= position { low = middle } else { high = middle - 1 }
        }
        return low + 1
    }
}
