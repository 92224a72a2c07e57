/// A `"+s"` Arrow batch received from the other side of the boundary:
/// owned, validated, and readable with typed accessors.
///
/// The initializer takes ownership of the C array (it moves the struct out
/// and sets the caller's `release` to `NULL`) whatever the outcome, then
/// validates it against the schema (see ``validate(_:schema:)``). The array
/// is released exactly once, when the batch is deinitialized (or at once if
/// validation fails).
///
/// Accessors take a 0-based row and column and trap, like `Array`, on an
/// index out of range or on the wrong type for the column (a bug in the
/// caller, not bad data: the data was validated).
///
/// ```swift
/// let batch = try ImportedBatch(taking: &array, schema: schema)
/// for row in 0..<batch.rowCount {
///     let id = batch.int64(row: row, column: 0)       // Int64?
///     let name = batch.string(row: row, column: 1)    // String?
/// }
/// ```
///
/// Immutable once made, so it may be read from several threads.
public final class ImportedBatch: @unchecked Sendable {
    // @unchecked: immutable after init (the Arrow array it owns is only read, and released in deinit).
    /// The columns.
    public let schema: ArrowBatchSchema
    /// The number of rows.
    public let rowCount: Int

    private let array: UnsafeMutablePointer<ArrowArray>
    let views: [ColumnView]

    /// The validated pointers of column `index`, for the host's code that
    /// copies whole buffers (package: not part of the SDK plugins see).
    package func columnView(_ index: Int) -> ColumnView { views[index] }

    /// Where a batch comes from, which decides what its import checks.
    package enum Origin: Sendable {
        /// From another party (a plugin, a file others wrote): every check,
        /// UTF-8 and readable memory included.
        case plugin
        /// Read back from a file this process wrote from batches that
        /// passed every check (the host's spool), by a reader that checked
        /// each buffer's size against the file: the layout is checked
        /// (lengths, null counts, monotonic offsets), the readable-memory
        /// probes and the UTF-8 check, already passed once, are not.
        case ownFile
    }

    /// Takes ownership of `array` and validates it against `schema`.
    ///
    /// - Throws: ``PluginError/Code/data`` naming the offending column; the
    ///   array has then been released already.
    public convenience init(taking array: UnsafeMutablePointer<ArrowArray>, schema: ArrowBatchSchema) throws(PluginError) {
        try self.init(taking: array, schema: schema, origin: .plugin)
    }

    /// Takes ownership of `array` and validates it against `schema` as
    /// `origin` requires (see ``Origin``).
    ///
    /// - Throws: ``PluginError/Code/data`` naming the offending column; the
    ///   array has then been released already.
    package init(taking array: UnsafeMutablePointer<ArrowArray>, schema: ArrowBatchSchema, origin: Origin) throws(PluginError) {
        let owned = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
        owned.initialize(to: array.pointee)
        array.pointee.release = nil
        do {
            views = try ArrayValidator.validate(owned, schema: schema, origin: origin)
        } catch {
            if let release = owned.pointee.release { release(owned) }
            owned.deallocate()
            throw error
        }
        self.array = owned
        self.schema = schema
        self.rowCount = Int(owned.pointee.length)
    }

    /// Takes ownership of `array` and validates it against a borrowed C
    /// schema (which is copied, not released).
    ///
    /// - Throws: ``PluginError/Code/data`` for a bad schema or array; the
    ///   array has then been released already.
    public convenience init(taking array: UnsafeMutablePointer<ArrowArray>, schema: UnsafePointer<ArrowSchema>)
        throws(PluginError)
    {
        let parsed: ArrowBatchSchema
        do {
            parsed = try ArrowBatchSchema(importing: schema)
        } catch {
            if let release = array.pointee.release { release(array) }
            throw error
        }
        try self.init(taking: array, schema: parsed)
    }

    deinit {
        if let release = array.pointee.release { release(array) }
        array.deallocate()
    }

    /// Validates a C array against `schema` without taking ownership: the
    /// checks every imported batch passes (for conformance tests).
    ///
    /// - Throws: ``PluginError/Code/data`` naming the offending column.
    public static func validate(_ array: UnsafePointer<ArrowArray>, schema: ArrowBatchSchema) throws(PluginError) {
        _ = try ArrayValidator.validate(array, schema: schema)
    }

    /// The number of columns.
    public var columnCount: Int { views.count }

    /// The column names, in order.
    public var columnNames: [String] { schema.fields.map(\.name) }

    /// One column, for reading many of its values.
    public func column(_ index: Int) -> ImportedColumn {
        ImportedColumn(batch: self, index: index)
    }

    /// The number of nulls in a column.
    public func nullCount(column: Int) -> Int { views[column].nullCount }

    @inline(__always)
    func view(_ row: Int, _ column: Int, _ type: ArrowColumnType) -> ColumnView {
        precondition(row >= 0 && row < rowCount, "row \(row) is out of range 0..<\(rowCount)")
        let view = views[column]
        precondition(view.type == type || view.type == .null,
                     "column \(column) (\"\(schema.fields[column].name)\") is \(view.type), not \(type)")
        return view
    }

    /// Whether the value is null.
    public func isNull(row: Int, column: Int) -> Bool {
        precondition(row >= 0 && row < rowCount, "row \(row) is out of range 0..<\(rowCount)")
        return views[column].isNull(row)
    }

    /// The value of an int64 column, `nil` when null.
    public func int64(row: Int, column: Int) -> Int64? {
        let view = view(row, column, .int64)
        if view.isNull(row) { return nil }
        return view.values!.load(fromByteOffset: (view.start + row) * 8, as: Int64.self)
    }

    /// The value of a float64 column, `nil` when null.
    public func double(row: Int, column: Int) -> Double? {
        let view = view(row, column, .float64)
        if view.isNull(row) { return nil }
        return view.values!.load(fromByteOffset: (view.start + row) * 8, as: Double.self)
    }

    /// The value of a bool column, `nil` when null.
    public func bool(row: Int, column: Int) -> Bool? {
        let view = view(row, column, .bool)
        if view.isNull(row) { return nil }
        return Bitmap.get(view.values!.assumingMemoryBound(to: UInt8.self), view.start + row)
    }

    /// The value of a date32 column (days since 1970-01-01), `nil` when null.
    public func date32(row: Int, column: Int) -> Int32? {
        let view = view(row, column, .date32)
        if view.isNull(row) { return nil }
        return view.values!.load(fromByteOffset: (view.start + row) * 4, as: Int32.self)
    }

    /// The value of a timestamp column (microseconds since the Unix epoch,
    /// UTC), `nil` when null.
    public func timestamp(row: Int, column: Int) -> Int64? {
        let view = view(row, column, .timestampMicrosecondsUTC)
        if view.isNull(row) { return nil }
        return view.values!.load(fromByteOffset: (view.start + row) * 8, as: Int64.self)
    }

    /// The value of a utf8 column as a `String`, `nil` when null.
    public func string(row: Int, column: Int) -> String? {
        guard let bytes = utf8(row: row, column: column) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The UTF-8 bytes of a utf8 value, without copying, `nil` when null.
    /// Valid only while the batch is alive.
    public func utf8(row: Int, column: Int) -> UnsafeRawBufferPointer? {
        variableWidth(view(row, column, .utf8), row)
    }

    /// The bytes of a binary value, without copying, `nil` when null. Valid
    /// only while the batch is alive.
    public func binary(row: Int, column: Int) -> UnsafeRawBufferPointer? {
        variableWidth(view(row, column, .binary), row)
    }

    @inline(__always)
    private func variableWidth(_ view: ColumnView, _ row: Int) -> UnsafeRawBufferPointer? {
        if view.isNull(row) { return nil }
        let offsets = view.values!.assumingMemoryBound(to: Int32.self)
        let begin = Int(offsets[view.start + row])
        let end = Int(offsets[view.start + row + 1])
        guard end > begin else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: view.data! + begin, count: end - begin)
    }
}
