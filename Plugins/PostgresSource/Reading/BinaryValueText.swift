/// Text forms of PostgreSQL's binary values that have no Arrow type of
/// their own: `numeric` (base-10000 digits) and `uuid` (16 bytes).
enum BinaryValueText {
    /// The sign word of a numeric that is not a number (`NaN`).
    static let numericNaN: UInt16 = 0xC000
    /// The sign words of `Infinity` and `-Infinity` (PostgreSQL 14+).
    static let numericInfinities: Set<UInt16> = [0xD000, 0xF000]

    /// Appends the decimal text of a binary `numeric` to `out`: `-12.50`
    /// with exactly its display scale of fraction digits.
    ///
    /// - Returns: `false` for NaN and the infinities (no decimal text).
    static func appendNumeric(_ value: UnsafeRawBufferPointer, to out: inout [UInt8]) -> Bool {
        guard value.count >= 8 else { return false }
        func word(_ offset: Int) -> UInt16 { UInt16(bigEndian: value.loadUnaligned(fromByteOffset: offset, as: UInt16.self)) }
        let digitCount = Int(word(0))
        let weight = Int(Int16(bitPattern: word(2)))
        let sign = word(4)
        let displayScale = Int(word(6))
        guard sign == 0 || sign == 0x4000, value.count >= 8 + 2 * digitCount else { return false }
        func digit(_ index: Int) -> Int { index >= 0 && index < digitCount ? Int(word(8 + 2 * index)) : 0 }
        if sign == 0x4000 { out.append(UInt8(ascii: "-")) }
        if weight < 0 {
            out.append(UInt8(ascii: "0"))
        } else {
            for index in 0...weight {
                appendGroup(digit(index), padded: index > 0, to: &out)
            }
        }
        guard displayScale > 0 else { return true }
        out.append(UInt8(ascii: "."))
        var written = 0
        var index = weight + 1
        while written < displayScale {
            var group = digit(index)
            var divisor = 1000
            for _ in 0..<4 where written < displayScale {
                out.append(UInt8(ascii: "0") + UInt8(group / divisor))
                group %= divisor
                divisor /= 10
                written += 1
            }
            index += 1
        }
        return true
    }

    private static func appendGroup(_ group: Int, padded: Bool, to out: inout [UInt8]) {
        var divisor = 1000
        var started = padded
        var rest = group
        while divisor > 0 {
            let digit = rest / divisor
            rest %= divisor
            if started || digit != 0 || divisor == 1 {
                out.append(UInt8(ascii: "0") + UInt8(digit))
                started = true
            }
            divisor /= 10
        }
    }

    /// Appends the text of a 16-byte `uuid`: `8-4-4-4-12` lowercase hex.
    static func appendUUID(_ value: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        for (index, byte) in value.prefix(16).enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { out.append(UInt8(ascii: "-")) }
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0F)])
        }
    }
}
