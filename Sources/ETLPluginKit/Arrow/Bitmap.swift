/// Helpers for Arrow bitmaps (validity and boolean values): bit `i` is
/// `(bytes[i / 8] >> (i % 8)) & 1`, least significant bit first.
enum Bitmap {
    /// Whether bit `index` is set.
    @inline(__always)
    static func get(_ bitmap: UnsafePointer<UInt8>, _ index: Int) -> Bool {
        (bitmap[index &>> 3] &>> UInt8(truncatingIfNeeded: index & 7)) & 1 != 0
    }

    /// Writes bit `index` of a bitmap being filled in order: the first bit of
    /// a byte initializes the whole byte, later bits set or clear their own.
    @inline(__always)
    static func write(_ bitmap: UnsafeMutablePointer<UInt8>, _ index: Int, _ value: Bool) {
        let byteIndex = index &>> 3
        let bit = UInt8(truncatingIfNeeded: index & 7)
        if bit == 0 {
            bitmap[byteIndex] = value ? 1 : 0
        } else if value {
            bitmap[byteIndex] |= 1 &<< bit
        } else {
            bitmap[byteIndex] &= ~(1 &<< bit)
        }
    }

    /// Sets bits `0..<count` of a fresh bitmap (whole bytes, the last one
    /// partially).
    static func setAll(_ bitmap: UnsafeMutablePointer<UInt8>, count: Int) {
        let fullBytes = count / 8
        if fullBytes > 0 { bitmap.update(repeating: 0xFF, count: fullBytes) }
        let rest = count % 8
        if rest > 0 { bitmap[fullBytes] = UInt8((1 << rest) - 1) }
    }

    /// The number of clear bits in `offset..<offset + length`.
    static func countClear(_ bitmap: UnsafePointer<UInt8>, offset: Int, length: Int) -> Int {
        var set = 0
        var index = offset
        let end = offset + length
        while index < end, index & 7 != 0 {
            if get(bitmap, index) { set += 1 }
            index += 1
        }
        let raw = UnsafeRawPointer(bitmap)
        while index + 64 <= end {
            set += raw.loadUnaligned(fromByteOffset: index / 8, as: UInt64.self).nonzeroBitCount
            index += 64
        }
        while index + 8 <= end {
            set += bitmap[index / 8].nonzeroBitCount
            index += 8
        }
        while index < end {
            if get(bitmap, index) { set += 1 }
            index += 1
        }
        return length - set
    }
}
