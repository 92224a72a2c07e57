/// The record ids already emitted by a read, so that a restarted listing
/// (after an expired pagination iterator) skips them.
///
/// Airtable's ids are `rec` and 14 letters or digits: those are packed into
/// 16 bytes, two integers (about 24 bytes a record in the set); any other
/// id is kept as a string.
struct RecordIDSet {
    private struct Packed: Hashable {
        var high: UInt64
        var low: UInt64
    }

    private var packed = Set<Packed>()
    private var others = Set<String>()

    /// The number of ids in the set.
    var count: Int { packed.count + others.count }

    /// Adds `id` (its UTF-8 bytes); returns false when it was already there.
    mutating func insert(_ id: UnsafeRawBufferPointer) -> Bool {
        if id.count == 17, id[0] == UInt8(ascii: "r"), id[1] == UInt8(ascii: "e"), id[2] == UInt8(ascii: "c") {
            var high: UInt64 = 0
            var low: UInt64 = 0
            var valid = true
            for index in 3..<17 {
                let byte = id[index]
                let isAlphanumeric = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
                    || (byte >= 0x61 && byte <= 0x7A)
                guard isAlphanumeric else {
                    valid = false
                    break
                }
                if index < 11 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
            }
            if valid { return packed.insert(Packed(high: high, low: low)).inserted }
        }
        return others.insert(String(decoding: id, as: UTF8.self)).inserted
    }
}
