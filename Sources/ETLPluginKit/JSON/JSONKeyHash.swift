/// A fast, non-cryptographic 64-bit hash of a key's bytes: the hash that
/// ``JSONMember/keyHash`` carries, so that a caller can find the column of
/// a key in its own table without making a `String`.
///
/// The same bytes give the same hash within a build of the kit; it is not
/// stable across versions and must not be stored.
///
/// ```swift
/// let wanted = JSONKeyHash.hash("customer_id")
/// for member in try scanner.scan(line)
/// where member.keyHash == wanted && member.keyEquals("customer_id") {
///     // ...
/// }
/// ```
public enum JSONKeyHash {
    /// The hash of `bytes`.
    @inline(__always)
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        guard let base = bytes.baseAddress else { return hash(UnsafePointer(bitPattern: 1)!, count: 0) }
        return hash(base.assumingMemoryBound(to: UInt8.self), count: bytes.count)
    }

    /// The hash of the UTF-8 bytes of `text`.
    public static func hash(_ text: String) -> UInt64 {
        var text = text
        return text.withUTF8 { hash(UnsafeRawBufferPointer($0)) }
    }

    @inline(__always)
    static func hash(_ base: UnsafePointer<UInt8>, count: Int) -> UInt64 {
        let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
        var state: UInt64 = 0x2545_F491_4F6C_DD1D ^ (UInt64(count) &* multiplier)
        var index = 0
        while index + 8 <= count {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
            state = (state ^ word) &* multiplier
            state ^= state >> 29
            index += 8
        }
        if index < count {
            var word: UInt64 = 0
            var shift: UInt64 = 0
            while index < count {
                word |= UInt64(base[index]) << shift
                shift += 8
                index += 1
            }
            state = (state ^ word) &* multiplier
            state ^= state >> 29
        }
        state ^= state >> 32
        state = state &* 0xBF58_476D_1CE4_E5B9
        state ^= state >> 31
        return state
    }
}
