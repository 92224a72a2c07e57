/// The grammar of a JSON number (RFC 8259, section 6), for plugins that
/// must tell a number's text from any other text before they store it as
/// JSON: `-12.5e3` is one, `NaN`, `+1`, `.5`, `01` and `1.` are not.
public enum JSONNumberSyntax {
    /// Whether `bytes` is exactly one JSON number, with nothing around it.
    public static func matches(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        func digits() -> Int {
            let start = index
            while index < bytes.count, JSONByte.isDigit(bytes[index]) { index += 1 }
            return index - start
        }
        if index < bytes.count, bytes[index] == JSONByte.minus { index += 1 }
        let whole = digits()
        guard whole > 0, whole == 1 || bytes[index - whole] != UInt8(ascii: "0") else { return false }
        if index < bytes.count, bytes[index] == JSONByte.dot {
            index += 1
            guard digits() > 0 else { return false }
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == JSONByte.minus { index += 1 }
            guard digits() > 0 else { return false }
        }
        return index == bytes.count
    }

    /// Whether `text` is exactly one JSON number.
    public static func matches(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { matches(UnsafeRawBufferPointer($0)) }
    }
}
