import CLibCrypto
import CSQLite
import ETLPluginKit

/// `_etl_row_hash(v1, v2, ...)`: the SQL function (deterministic, any
/// number of arguments) that gives a history version its `_etl_row_hash`.
/// SQLite has no hash function of its own, so the plugin registers one on
/// its connection before a history load's commit.
///
/// The hash is MD5 (OpenSSL's libcrypto; a change detector, not a
/// security boundary) as 32 lowercase hex digits, over the values in
/// argument order, each type-tagged so that NULL, '', 0, 0.0 and x'' all
/// differ:
///
/// | storage class | bytes                                          |
/// |---------------|------------------------------------------------|
/// | NULL          | `N`                                            |
/// | INTEGER       | `I` + 8 bytes, big-endian two's complement     |
/// | REAL          | `R` + the 8 bytes of the IEEE 754 bits, big-endian |
/// | TEXT          | `T` + length (8 bytes, big-endian) + UTF-8     |
/// | BLOB          | `B` + length (8 bytes, big-endian) + bytes     |
///
/// ```sql
/// SELECT _etl_row_hash(1, 'a', NULL);  -- 32 hex digits
/// ```
enum SQLiteRowHash {
    /// The SQL function's name.
    static let functionName = "_etl_row_hash"

    /// Registers the function on `db` (again: the same definition).
    static func register(on db: SQLiteConnection) throws(PluginError) {
        let status = sqlite3_create_function_v2(db.handle, functionName, -1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                                nil, rowHash, nil, nil, nil)
        guard status == SQLITE_OK else { throw db.failure(status, "registering the SQL function \(functionName)") }
    }

    /// The type-tagged bytes of `values`, as the table above describes.
    static func encode(_ count: Int32, _ values: UnsafeMutablePointer<OpaquePointer?>?, into bytes: inout [UInt8]) {
        func append(_ number: UInt64) {
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: number >> UInt64(shift))) }
        }
        for index in 0..<Int(count) {
            let value = values?[index]
            switch sqlite3_value_type(value) {
            case SQLITE_INTEGER:
                bytes.append(UInt8(ascii: "I"))
                append(UInt64(bitPattern: sqlite3_value_int64(value)))
            case SQLITE_FLOAT:
                bytes.append(UInt8(ascii: "R"))
                append(sqlite3_value_double(value).bitPattern)
            case SQLITE_TEXT:
                bytes.append(UInt8(ascii: "T"))
                let text = sqlite3_value_text(value)
                let length = Int(sqlite3_value_bytes(value))
                append(UInt64(length))
                if let text, length > 0 { bytes.append(contentsOf: UnsafeBufferPointer(start: text, count: length)) }
            case SQLITE_BLOB:
                bytes.append(UInt8(ascii: "B"))
                let blob = sqlite3_value_blob(value)
                let length = Int(sqlite3_value_bytes(value))
                append(UInt64(length))
                if let blob, length > 0 {
                    bytes.append(contentsOf: UnsafeRawBufferPointer(start: blob, count: length))
                }
            default:
                bytes.append(UInt8(ascii: "N"))
            }
        }
    }

    /// OpenSSL's MD5, fetched once: `EVP_md5()` makes OpenSSL 3 look the
    /// algorithm up again on every digest, which cost more than hashing a row.
    /// Immutable once fetched, and EVP_MD objects may be shared by threads.
    nonisolated(unsafe) private static let md5 = EVP_MD_fetch(nil, "MD5", nil)

    /// MD5 of `bytes` as 32 lowercase hex digits.
    static func hex(md5Of bytes: [UInt8]) -> [UInt8]? {
        guard let md5 else { return nil }
        var digest = [UInt8](repeating: 0, count: 16)
        var length: UInt32 = 0
        let done = bytes.withUnsafeBytes { input in
            EVP_Digest(input.baseAddress, input.count, &digest, &length, md5, nil)
        }
        guard done == 1, length == 16 else { return nil }
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(32)
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return text
    }
}

/// The C function behind `_etl_row_hash`.
private let rowHash: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = {
    context, count, values in
    var bytes: [UInt8] = []
    bytes.reserveCapacity(256)
    SQLiteRowHash.encode(count, values, into: &bytes)
    guard let text = SQLiteRowHash.hex(md5Of: bytes) else {
        sqlite3_result_error(context, "_etl_row_hash: MD5 failed (libcrypto)", -1)
        return
    }
    text.withUnsafeBufferPointer { buffer in
        buffer.withMemoryRebound(to: CChar.self) { chars in
            sqlite3_result_text(context, chars.baseAddress, Int32(chars.count), sqliteTransient)
        }
    }
}
