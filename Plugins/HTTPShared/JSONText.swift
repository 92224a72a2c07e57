import ETLPluginKit

/// Small helpers over JSON text the kit's scanner has already validated.
public enum JSONText {
    /// Calls `body` with the raw text of each element of `array`, the raw
    /// text of a JSON array that a ``JSONObjectScanner`` validated (so that
    /// only the structure needs following here: strings and nesting).
    public static func forEachElement(
        of array: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws(PluginError) -> Void
    ) throws(PluginError) {
        let count = array.count
        guard count >= 2, array[0] == UInt8(ascii: "[") else { return }
        var index = 1
        func skipWhitespace() {
            while index < count, array[index] == 0x20 || array[index] == 0x0A || array[index] == 0x0D || array[index] == 0x09 {
                index += 1
            }
        }
        skipWhitespace()
        if index < count, array[index] == UInt8(ascii: "]") { return }
        while index < count {
            let start = index
            var depth = 0
            scanning: while index < count {
                switch array[index] {
                case UInt8(ascii: "\""):
                    index += 1
                    while index < count, array[index] != UInt8(ascii: "\"") {
                        index += array[index] == UInt8(ascii: "\\") ? 2 : 1
                    }
                    index += 1
                    if depth == 0 { break scanning }
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                    index += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    if depth == 0 { break scanning } // the end of the outer array
                    depth -= 1
                    index += 1
                    if depth == 0 { break scanning }
                case UInt8(ascii: ","), 0x20, 0x0A, 0x0D, 0x09:
                    if depth == 0 { break scanning }
                    index += 1
                default:
                    index += 1
                }
            }
            try body(UnsafeRawBufferPointer(rebasing: array[start..<min(index, count)]))
            skipWhitespace()
            guard index < count, array[index] == UInt8(ascii: ",") else { return }
            index += 1
            skipWhitespace()
        }
    }
}
