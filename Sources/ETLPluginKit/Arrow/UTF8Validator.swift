/// A fast UTF-8 validator for raw bytes (ASCII runs are checked eight bytes
/// at a time).
///
/// Rejects everything the Unicode standard calls ill-formed: stray
/// continuation bytes, overlong encodings, surrogates, code points above
/// U+10FFFF and truncated sequences.
///
/// ```swift
/// let bytes: [UInt8] = [0x61, 0xFF, 0x62]
/// bytes.withUnsafeBytes { UTF8Validator.firstInvalidOffset($0) }   // 1
/// ```
public enum UTF8Validator {
    /// The offset of the first byte that does not start (or belong to) a
    /// well-formed sequence, or `nil` when all of `bytes` is valid UTF-8.
    public static func firstInvalidOffset(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        let count = bytes.count
        var index = 0
        while index < count {
            while index + 8 <= count {
                let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                if word & 0x8080_8080_8080_8080 != 0 { break }
                index += 8
            }
            while index < count, base.load(fromByteOffset: index, as: UInt8.self) < 0x80 {
                index += 1
            }
            guard index < count else { return nil }
            let length = sequenceLength(base, at: index, count: count)
            if length == 0 { return index }
            index += length
        }
        return nil
    }

    /// Whether all of `bytes` is valid UTF-8.
    public static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        firstInvalidOffset(bytes) == nil
    }

    /// The length of the well-formed non-ASCII sequence at `index`, or 0.
    @inline(__always)
    private static func sequenceLength(_ base: UnsafeRawPointer, at index: Int, count: Int) -> Int {
        @inline(__always) func byte(_ offset: Int) -> UInt8 {
            base.load(fromByteOffset: index + offset, as: UInt8.self)
        }
        @inline(__always) func isContinuation(_ value: UInt8) -> Bool { value & 0xC0 == 0x80 }
        let lead = byte(0)
        switch lead {
        case 0xC2...0xDF:
            guard index + 1 < count, isContinuation(byte(1)) else { return 0 }
            return 2
        case 0xE0...0xEF:
            guard index + 2 < count else { return 0 }
            let second = byte(1)
            let secondOK: Bool
            switch lead {
            case 0xE0: secondOK = (0xA0...0xBF).contains(second)
            case 0xED: secondOK = (0x80...0x9F).contains(second)
            default: secondOK = isContinuation(second)
            }
            guard secondOK, isContinuation(byte(2)) else { return 0 }
            return 3
        case 0xF0...0xF4:
            guard index + 3 < count else { return 0 }
            let second = byte(1)
            let secondOK: Bool
            switch lead {
            case 0xF0: secondOK = (0x90...0xBF).contains(second)
            case 0xF4: secondOK = (0x80...0x8F).contains(second)
            default: secondOK = isContinuation(second)
            }
            guard secondOK, isContinuation(byte(2)), isContinuation(byte(3)) else { return 0 }
            return 4
        default:
            return 0
        }
    }
}
