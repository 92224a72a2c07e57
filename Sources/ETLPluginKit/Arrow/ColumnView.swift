/// Validated pointers into one imported column (package: the host's Arrow
/// IPC writer copies them as they are; plugins read values through
/// ``ImportedBatch``).
package struct ColumnView {
    /// The column's type.
    package let type: ArrowColumnType
    /// Buffer index of row 0 (child offset + batch offset).
    package let start: Int
    /// The number of rows.
    package let rows: Int
    /// `nil` when the column has no nulls in the batch's rows.
    package let validity: UnsafePointer<UInt8>?
    /// The values, bit-packed booleans, or int32 offsets of utf8/binary.
    package let values: UnsafeRawPointer?
    /// The bytes of utf8/binary values.
    package let data: UnsafePointer<UInt8>?
    /// The number of null rows.
    package let nullCount: Int

    @inline(__always)
    func isNull(_ row: Int) -> Bool {
        if type == .null { return true }
        guard let validity else { return false }
        return !Bitmap.get(validity, start + row)
    }
}
