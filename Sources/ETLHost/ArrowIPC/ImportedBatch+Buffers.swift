import ETLPluginKit

/// The raw Arrow buffers of one column of an ``ImportedBatch``, for code
/// that copies columns as they are (the host's Arrow IPC writer) instead of
/// reading them value by value.
///
/// Row `r` of the batch is element `start + r` of the buffers: a batch or
/// column `offset` is not applied to the pointers. Valid only while the
/// batch is alive.
public struct ImportedColumnBuffers {
    /// The column's type.
    public let type: ArrowColumnType
    /// The buffer index of row 0 (the array's offsets, summed).
    public let start: Int
    /// The number of rows.
    public let rows: Int
    /// The validity bitmap, `nil` when no row of the batch is null.
    public let validity: UnsafePointer<UInt8>?
    /// The values (fixed width), the bit-packed booleans, or the int32
    /// offsets of utf8/binary; `nil` for the null type or zero rows.
    public let values: UnsafeRawPointer?
    /// The bytes of utf8/binary values; `nil` for other types.
    public let data: UnsafePointer<UInt8>?
    /// The number of null rows.
    public let nullCount: Int
}

extension ImportedBatch {
    /// The raw buffers of column `index` (see ``ImportedColumnBuffers``).
    public func buffers(column index: Int) -> ImportedColumnBuffers {
        let view = columnView(index)
        return ImportedColumnBuffers(type: view.type, start: view.start, rows: view.rows, validity: view.validity,
                                     values: view.values, data: view.data, nullCount: view.nullCount)
    }
}
