import CSQLite

/// One SQLite value, for the plugin's small bookkeeping queries (the bulk
/// write path binds straight from Arrow buffers instead).
enum SQLiteValue: Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    /// `.text(value)`, or `.null` when `value` is `nil`.
    static func text(_ value: String?) -> SQLiteValue {
        value.map { .text($0) } ?? .null
    }

    /// The text, or `nil` for any other storage class.
    var text: String? {
        if case .text(let value) = self { return value }
        return nil
    }

    /// The integer, or `nil` for any other storage class.
    var integer: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// Reads column `index` of the current row of `statement`.
    init(column index: Int32, of statement: OpaquePointer) {
        switch sqlite3_column_type(statement, index) {
        case SQLITE_INTEGER:
            self = .integer(sqlite3_column_int64(statement, index))
        case SQLITE_FLOAT:
            self = .real(sqlite3_column_double(statement, index))
        case SQLITE_TEXT:
            let bytes = sqlite3_column_text(statement, index)
            let count = Int(sqlite3_column_bytes(statement, index))
            self = .text(bytes.map { String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self) } ?? "")
        case SQLITE_BLOB:
            let bytes = sqlite3_column_blob(statement, index)
            let count = Int(sqlite3_column_bytes(statement, index))
            self = .blob(bytes.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? [])
        default:
            self = .null
        }
    }

    /// Binds the value to parameter `index` (1-based); SQLite copies it.
    func bind(to statement: OpaquePointer, at index: Int32) -> Int32 {
        switch self {
        case .null:
            return sqlite3_bind_null(statement, index)
        case .integer(let value):
            return sqlite3_bind_int64(statement, index, value)
        case .real(let value):
            return sqlite3_bind_double(statement, index, value)
        case .text(let value):
            return sqlite3_bind_text(statement, index, value, -1, sqliteTransient)
        case .blob(let value):
            return value.withUnsafeBytes { bytes in
                sqlite3_bind_blob64(statement, index, bytes.baseAddress ?? UnsafeRawPointer(emptyBytes),
                                    sqlite3_uint64(bytes.count), sqliteTransient)
            }
        }
    }
}

/// A valid pointer for binding empty text and blobs: SQLite binds a NULL
/// pointer as SQL NULL, so an empty value needs a non-NULL one.
nonisolated(unsafe) let emptyBytes: UnsafePointer<CChar> = {
    let byte = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
    byte.initialize(to: 0)
    return UnsafePointer(byte)
}()
