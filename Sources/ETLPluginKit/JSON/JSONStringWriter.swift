/// Writes JSON string literals: quotes, and the escapes JSON requires
/// (`"`, `\`, and control characters); everything else, UTF-8 included, as is.
///
/// ```swift
/// var out: [UInt8] = []
/// "say \"hi\"\n".utf8.withContiguousStorageIfAvailable { JSONStringWriter.append(UnsafeRawBufferPointer($0), to: &out) }
/// // out == Array(#""say \"hi\"\n""#.utf8)
/// JSONStringWriter.quoted("a\tb")   // "\"a\\tb\""
/// ```
public enum JSONStringWriter {
    /// Appends `text` (valid UTF-8) as a JSON string literal, quotes included.
    public static func append(_ text: UnsafeRawBufferPointer, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        // Runs of bytes that need no escape are copied at once.
        var start = 0
        var index = 0
        let count = text.count
        while index < count {
            let byte = text[index]
            if byte >= 0x20, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
                index += 1
                continue
            }
            if start < index { output.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[start..<index])) }
            index += 1
            start = index
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): output.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: output.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0 ..< 0x20:
                output.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hexDigit(byte >> 4), hexDigit(byte & 0xF)])
            default: output.append(byte)
            }
        }
        if start < count { output.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[start..<count])) }
        output.append(UInt8(ascii: "\""))
    }

    /// `text` as a JSON string literal.
    public static func quoted(_ text: String) -> String {
        var output: [UInt8] = []
        var text = text
        text.withUTF8 { append(UnsafeRawBufferPointer($0), to: &output) }
        return String(decoding: output, as: UTF8.self)
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? 0x30 + value : UInt8(ascii: "a") + value - 10
    }
}
