import CSQLite
import ETLPluginKit

/// Stored values as JSON text, for a column widened to `JSON_TEXT`: the
/// same JSON the host sends for such values, so that a widened column and
/// a new one hold the same thing (docs/TYPES.md).
///
/// | stored (declared type)                | JSON                                   |
/// |---------------------------------------|----------------------------------------|
/// | integer `0` / `1` in a BOOLEAN column | `false` / `true`                       |
/// | other integers                        | the number (`42`)                      |
/// | real                                  | its shortest round-trip text (`0.1`, `1e-320`); NaN and infinities fail the load |
/// | text in a DECIMAL_TEXT column         | the number as written (`1.50`) when it is a JSON number |
/// | other text (dates, timestamps, ...)   | a JSON string (`"2024-03-10T06:30:00.000000Z"`) |
/// | blob                                  | fails the load: JSON has no bytes      |
///
/// Used by the SQL function `etl_json_text(x, declared)` that the plugin
/// registers on its connection.
enum JSONText {
    /// The SQL name of the conversion function.
    static let functionName = "etl_json_text"

    /// Registers `etl_json_text(x, declared)`.
    static func register(on connection: OpaquePointer) {
        sqlite3_create_function_v2(
            connection, functionName, 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nil,
            { context, count, arguments in
                guard count == 2, let value = arguments?[0], let declaredValue = arguments?[1] else { return }
                let declared = sqlite3_value_text(declaredValue).map { String(cString: $0) } ?? ""
                switch JSONText.convert(value, declared: StoredType(declared: declared)) {
                case .null: sqlite3_result_null(context)
                case .text(let text): sqlite3_result_text(context, text, -1, sqliteTransient)
                case .failure(let message): sqlite3_result_error(context, message, -1)
                }
            }, nil, nil, nil)
    }

    /// What one value becomes.
    enum Result {
        case null
        case text(String)
        case failure(String)
    }

    static func convert(_ value: OpaquePointer, declared: StoredType) -> Result {
        switch sqlite3_value_type(value) {
        case SQLITE_NULL:
            return .null
        case SQLITE_INTEGER:
            let integer = sqlite3_value_int64(value)
            if declared == .boolean, integer == 0 || integer == 1 { return .text(integer == 1 ? "true" : "false") }
            return .text(String(integer))
        case SQLITE_FLOAT:
            let real = sqlite3_value_double(value)
            guard real.isFinite else { return .failure("NaN and infinities have no JSON form") }
            return .text(RealText.format(real == 0 ? 0.0 : real))
        case SQLITE_TEXT:
            let count = Int(sqlite3_value_bytes(value))
            let bytes = UnsafeRawBufferPointer(start: sqlite3_value_text(value), count: count)
            if case .decimal = declared, JSONNumberSyntax.matches(bytes) { return .text(String(decoding: bytes, as: UTF8.self)) }
            var quoted: [UInt8] = []
            JSONStringWriter.append(bytes, to: &quoted)
            return .text(String(decoding: quoted, as: UTF8.self))
        default:
            return .failure("a BLOB has no JSON form")
        }
    }
}
