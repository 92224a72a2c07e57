/// Validated pointers into one imported column.
struct ColumnView {
    let type: ArrowColumnType
    /// Buffer index of row 0 (child offset + batch offset).
    let start: Int
    let rows: Int
    /// `nil` when the column has no nulls in the batch's rows.
    let validity: UnsafePointer<UInt8>?
    let values: UnsafeRawPointer?
    let data: UnsafePointer<UInt8>?
    let nullCount: Int

    @inline(__always)
    func isNull(_ row: Int) -> Bool {
        if type == .null { return true }
        guard let validity else { return false }
        return !Bitmap.get(validity, start + row)
    }
}
