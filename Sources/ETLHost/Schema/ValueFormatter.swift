import ETLPluginKit

/// Text forms of typed values, as the host spools and stores them: the
/// kit's ``DateText`` (shared with the SQLite warehouse).
public enum ValueFormatter {
    /// `YYYY-MM-DD` for days since 1970-01-01.
    public static func date(_ days: Int32) -> String { DateText.date(daysSinceEpoch: Int64(days)) }

    /// `YYYY-MM-DDTHH:MM:SS.ffffffZ` for microseconds since the epoch, UTC.
    public static func timestamp(_ micros: Int64) -> String { DateText.timestamp(microsecondsSinceEpoch: micros) }
}

/// Writes JSON string literals.
enum JSONText {
    /// Appends `bytes` (UTF-8) as a quoted, escaped JSON string.
    static func appendQuoted(_ bytes: UnsafeRawBufferPointer, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): output.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: output.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x00 ..< 0x20:
                let hex = Array("0123456789abcdef".utf8)
                output.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 15)]])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
