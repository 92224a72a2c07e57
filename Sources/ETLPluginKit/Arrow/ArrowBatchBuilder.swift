/// Builds `"+s"` Arrow batches row by row, without allocating per cell.
///
/// Declare the columns, then for each row append exactly one value per
/// column, in column order, and call ``endRow()``. ``finish(into:schema:)``
/// moves the rows into C structs that follow the Arrow C Data Interface
/// (malloc'd buffers, `release` callbacks) and leaves the builder empty,
/// ready for the next batch with buffers sized from the last one.
///
/// Appends never throw: a wrong type, a value too many or invalid UTF-8 is
/// remembered and reported by ``endRow()``, which then drops the faulty row
/// so the builder stays consistent.
///
/// ```swift
/// let builder = try ArrowBatchBuilder(fields: [
///     ArrowField("id", .int64), ArrowField("name", .utf8),
/// ])
/// builder.append(Int64(1)); builder.appendText("Ada"); try builder.endRow()
/// builder.append(Int64(2)); builder.appendNull();      try builder.endRow()
/// var array = ArrowArray(), schema = ArrowSchema()
/// try builder.finish(into: &array, schema: &schema)
/// ```
///
/// A builder is not thread-safe; use one per stream.
public final class ArrowBatchBuilder {
    /// The columns of every batch this builder makes.
    public let schema: ArrowBatchSchema
    /// The number of columns.
    public let columnCount: Int

    private let columns: UnsafeMutablePointer<ColumnBuffer>
    private let state: UnsafeMutablePointer<State>
    private var pendingError: PluginError?

    private struct State {
        /// The column that receives the next value of the current row.
        var cursor = 0
        /// Completed rows in the current batch.
        var rowCount = 0
        /// Whether an append of the current row failed (see pendingError).
        var failed = false
    }

    /// Creates a builder for `schema`.
    ///
    /// - Parameter capacity: the number of rows to size buffers for at first
    ///   (they grow as needed).
    /// - Throws: ``PluginError/Code/data`` when a field's metadata is invalid
    ///   (see ``ArrowField/validate()``).
    public convenience init(schema: ArrowBatchSchema, capacity: Int = 1024) throws(PluginError) {
        try self.init(schema: schema, capacity: capacity, dataLimit: Int(Int32.max))
    }

    /// Creates a builder whose utf8 and binary columns hold at most
    /// `dataLimit` bytes per batch (tests use a small limit).
    init(schema: ArrowBatchSchema, capacity: Int, dataLimit: Int) throws(PluginError) {
        try schema.validate()
        self.schema = schema
        self.columnCount = schema.count
        columns = .allocate(capacity: max(1, schema.count))
        for (index, field) in schema.fields.enumerated() {
            (columns + index).initialize(to: ColumnBuffer(type: field.type, rowHint: capacity, dataLimit: dataLimit))
        }
        state = .allocate(capacity: 1)
        state.initialize(to: State())
    }

    /// Creates a builder for the given columns.
    public convenience init(fields: [ArrowField], capacity: Int = 1024) throws(PluginError) {
        try self.init(schema: ArrowBatchSchema(fields), capacity: capacity)
    }

    deinit {
        for index in 0..<columnCount { columns[index].freeBuffers() }
        columns.deinitialize(count: columnCount)
        columns.deallocate()
        state.deinitialize(count: 1)
        state.deallocate()
    }

    /// The number of completed rows in the current batch.
    public var rowCount: Int { state.pointee.rowCount }

    /// The number of bytes of utf8 and binary values in the current batch;
    /// useful to cap batches of long text by size as well as rows.
    public var variableWidthByteCount: Int {
        var total = 0
        for index in 0..<columnCount { total += columns[index].dataCount }
        return total
    }

    // MARK: Appending values

    /// The buffer of the column that takes the next value, which must be
    /// of `type`; `nil` (and the error remembered) otherwise.
    @inline(__always)
    private func nextColumn(_ type: ArrowColumnType) -> UnsafeMutablePointer<ColumnBuffer>? {
        let cursor = state.pointee.cursor
        guard cursor < columnCount else {
            recordTooMany()
            return nil
        }
        state.pointee.cursor = cursor + 1
        let column = columns + cursor
        guard column.pointee.type == type else {
            recordMismatch(column: cursor, appended: type)
            return nil
        }
        return column
    }

    /// Appends an int64 value, or a null for `nil`.
    public func append(_ value: Int64?) {
        guard let value else { return appendNull() }
        nextColumn(.int64)?.pointee.appendFixed(value, width: 8)
    }

    /// Appends an `Int` to an int64 column, or a null for `nil`.
    public func append(_ value: Int?) {
        append(value.map { Int64($0) })
    }

    /// Appends a float64 value, or a null for `nil`.
    public func append(_ value: Double?) {
        guard let value else { return appendNull() }
        nextColumn(.float64)?.pointee.appendFixed(value, width: 8)
    }

    /// Appends a boolean value, or a null for `nil`.
    public func append(_ value: Bool?) {
        guard let value else { return appendNull() }
        nextColumn(.bool)?.pointee.appendBit(value)
    }

    /// Appends text to a utf8 column, or a null for `nil`.
    public func appendText(_ value: String?) {
        guard var value else { return appendNull() }
        value.withUTF8 { appendUTF8(UnsafeRawBufferPointer($0), validate: false) }
    }

    /// Appends the UTF-8 bytes of one value to a utf8 column (copied).
    ///
    /// - Parameter validate: check that `bytes` is valid UTF-8 (on failure
    ///   ``endRow()`` throws). Pass `false` only when the bytes were
    ///   already validated: invalid UTF-8 in a batch is rejected by the
    ///   host.
    public func appendUTF8(_ bytes: UnsafeRawBufferPointer, validate: Bool = true) {
        guard let column = nextColumn(.utf8) else { return }
        if validate, let offset = UTF8Validator.firstInvalidOffset(bytes) {
            record("column \"\(schema.fields[state.pointee.cursor - 1].name)\", row "
                + "\(state.pointee.rowCount + 1): the value is not valid UTF-8 (byte \(offset + 1))")
            return
        }
        if !column.pointee.appendBytes(bytes) { recordOverflow(column: state.pointee.cursor - 1) }
    }

    /// Appends one value to each of the next `count` columns, which must
    /// be utf8: the `lengths[i]` bytes at `starts[i]`, or a null where
    /// `lengths[i]` is negative. The bytes are copied and not checked for
    /// UTF-8 (the caller has validated them, as with `validate: false`).
    /// One call for a row's text columns instead of one per value.
    public func appendUTF8Values(starts: UnsafePointer<UnsafeRawPointer?>, lengths: UnsafePointer<Int>, count: Int) {
        for index in 0 ..< count {
            let length = lengths[index]
            if length < 0 {
                appendNull()
                continue
            }
            guard let column = nextColumn(.utf8) else { return }
            if !column.pointee.appendBytes(UnsafeRawBufferPointer(start: starts[index], count: length)) {
                recordOverflow(column: state.pointee.cursor - 1)
            }
        }
    }

    /// Appends bytes to a binary column (copied).
    public func appendBinary(_ bytes: UnsafeRawBufferPointer) {
        guard let column = nextColumn(.binary) else { return }
        if !column.pointee.appendBytes(bytes) { recordOverflow(column: state.pointee.cursor - 1) }
    }

    /// Appends bytes to a binary column, or a null for `nil`.
    public func appendBinary(_ bytes: [UInt8]?) {
        guard let bytes else { return appendNull() }
        bytes.withUnsafeBytes { appendBinary($0) }
    }

    /// Appends a date32 value (days since 1970-01-01), or a null for `nil`.
    public func appendDate32(daysSinceEpoch value: Int32?) {
        guard let value else { return appendNull() }
        nextColumn(.date32)?.pointee.appendFixed(value, width: 4)
    }

    /// Appends a timestamp (microseconds since the Unix epoch, UTC), or a
    /// null for `nil`.
    public func appendTimestamp(microsecondsSinceEpoch value: Int64?) {
        guard let value else { return appendNull() }
        nextColumn(.timestampMicrosecondsUTC)?.pointee.appendFixed(value, width: 8)
    }

    /// Appends a null to the next column, whatever its type.
    public func appendNull() {
        let cursor = state.pointee.cursor
        guard cursor < columnCount else { return recordTooMany() }
        state.pointee.cursor = cursor + 1
        columns[cursor].appendNull()
    }

    // MARK: Rows

    /// Completes the current row.
    ///
    /// - Throws: ``PluginError/Code/invalidArgument`` when the row did not
    ///   get exactly one value per column or a value had the wrong type,
    ///   ``PluginError/Code/data`` for invalid UTF-8 or a column over 2 GiB.
    ///   The faulty row is dropped; the rows before it are kept.
    public func endRow() throws(PluginError) {
        let cursor = state.pointee.cursor
        if state.pointee.failed || cursor != columnCount {
            let error = pendingError ?? PluginError.invalidArgument(
                "row \(state.pointee.rowCount + 1) has values for \(cursor) of \(columnCount) "
                    + "columns; append one value (or appendNull) for column "
                    + "\"\(schema.fields[cursor].name)\" and the rest before endRow()")
            discardRow()
            throw error
        }
        state.pointee.rowCount += 1
        state.pointee.cursor = 0
    }

    /// Drops the values appended since the last ``endRow()``.
    public func discardRow() {
        let rows = state.pointee.rowCount
        for index in 0..<columnCount { columns[index].truncate(to: rows) }
        state.pointee.cursor = 0
        state.pointee.failed = false
        pendingError = nil
    }

    /// Drops every row of the current batch.
    public func reset() {
        for index in 0..<columnCount { columns[index].freeBuffers() }
        state.pointee = State()
        pendingError = nil
    }

    // MARK: Finishing

    /// Moves the completed rows into `array` as a `"+s"` ArrowArray (and,
    /// if given, the schema into `schema`) and starts a new, empty batch.
    ///
    /// The caller owns the results and must call their `release` exactly
    /// once; children may be moved out and released on their own. Validity
    /// bitmaps are only present in columns that have nulls. A zero-row
    /// batch is allowed.
    ///
    /// - Throws: ``PluginError/Code/invalidArgument`` when a row was started
    ///   but not ended (nothing is written then).
    public func finish(
        into array: UnsafeMutablePointer<ArrowArray>, schema: UnsafeMutablePointer<ArrowSchema>? = nil
    ) throws(PluginError) {
        guard state.pointee.cursor == 0 else {
            throw PluginError.invalidArgument(
                "finish() was called in the middle of row \(state.pointee.rowCount + 1) "
                    + "(\(state.pointee.cursor) of \(columnCount) values appended); call endRow() "
                    + "or discardRow() first")
        }
        let rows = state.pointee.rowCount
        let children = UnsafeMutablePointer<UnsafeMutablePointer<ArrowArray>?>.allocate(
            capacity: max(1, columnCount))
        for index in 0..<columnCount {
            let child = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
            child.initialize(to: columns[index].exportNode())
            children[index] = child
        }
        let root = ArrayNodeStorage(buffers: [nil], children: children, childCount: columnCount)
        array.initialize(to: root.makeNode(length: rows, nullCount: 0))
        state.pointee.rowCount = 0
        if let schema { self.schema.export(to: schema) }
    }

    // MARK: Errors (slow paths)

    private func record(_ message: String, code: PluginError.Code = .data) {
        guard !state.pointee.failed else { return }
        state.pointee.failed = true
        pendingError = PluginError(code, message)
    }

    @inline(never)
    private func recordTooMany() {
        record("row \(state.pointee.rowCount + 1) got more values than its \(columnCount) "
            + "columns; call endRow() after the last column", code: .invalidArgument)
    }

    @inline(never)
    private func recordMismatch(column: Int, appended: ArrowColumnType) {
        let field = schema.fields[column]
        record("column \"\(field.name)\" is \(field.type), but row \(state.pointee.rowCount + 1) "
            + "appended a \(appended) value to it", code: .invalidArgument)
    }

    @inline(never)
    private func recordOverflow(column: Int) {
        record("column \"\(schema.fields[column].name)\" passed 2 GiB of values in one batch at row "
            + "\(state.pointee.rowCount + 1), the limit of Arrow int32 offsets; emit smaller batches")
    }
}
