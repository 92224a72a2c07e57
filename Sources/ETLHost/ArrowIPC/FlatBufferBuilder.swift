/// A flatbuffer table to encode: one optional value per field slot, in the
/// order the schema (`.fbs`) declares the fields (a union takes two slots:
/// its type, then its value).
///
/// Only what the Arrow IPC metadata needs: little-endian scalars, strings,
/// nested tables, vectors of tables and vectors of structs (given as their
/// packed bytes). Scalars are always written, even when equal to the
/// schema's default, so a reader never depends on knowing the default.
///
/// ```swift
/// var keyValue = FlatTable()
/// keyValue.set(0, string: "etl.untyped")
/// keyValue.set(1, string: "1")
/// let bytes = FlatBufferEncoder.encode(root: keyValue)
/// ```
struct FlatTable {
    /// What one slot holds.
    enum Value {
        /// An inline scalar: its little-endian bytes (1, 2, 4 or 8 of them).
        case scalar([UInt8])
        /// An offset to an object written after the table.
        case object(FlatObject)
    }

    /// The slots, by index; `nil` for an absent field.
    private(set) var slots: [Value?] = []

    /// An empty table (every field absent).
    init() {}

    /// Sets slot `slot` to `value`.
    mutating func set(_ slot: Int, _ value: Value) {
        while slots.count <= slot { slots.append(nil) }
        slots[slot] = value
    }

    /// Sets a `bool` or `ubyte` field.
    mutating func set(_ slot: Int, uint8 value: UInt8) { set(slot, .scalar([value])) }
    /// Sets a `byte` field.
    mutating func set(_ slot: Int, int8 value: Int8) { set(slot, .scalar([UInt8(bitPattern: value)])) }
    /// Sets a `bool` field.
    mutating func set(_ slot: Int, bool value: Bool) { set(slot, uint8: value ? 1 : 0) }
    /// Sets a `short` field.
    mutating func set(_ slot: Int, int16 value: Int16) { set(slot, .scalar(FlatBytes.littleEndian(value))) }
    /// Sets an `int` field.
    mutating func set(_ slot: Int, int32 value: Int32) { set(slot, .scalar(FlatBytes.littleEndian(value))) }
    /// Sets a `long` field.
    mutating func set(_ slot: Int, int64 value: Int64) { set(slot, .scalar(FlatBytes.littleEndian(value))) }
    /// Sets a `string` field.
    mutating func set(_ slot: Int, string value: String) { set(slot, .object(.string(value))) }
    /// Sets a table field (or a union's value).
    mutating func set(_ slot: Int, table value: FlatTable) { set(slot, .object(.table(value))) }
    /// Sets a `[Table]` field.
    mutating func set(_ slot: Int, tables value: [FlatTable]) { set(slot, .object(.tables(value))) }
    /// Sets a `[Struct]` field from the structs' packed bytes.
    mutating func set(_ slot: Int, structs bytes: [UInt8], count: Int, alignment: Int) {
        set(slot, .object(.structs(bytes: bytes, count: count, alignment: alignment)))
    }
}

/// An object a table refers to by offset.
indirect enum FlatObject {
    /// A UTF-8 string (length-prefixed, NUL-terminated).
    case string(String)
    /// A table.
    case table(FlatTable)
    /// A vector of tables.
    case tables([FlatTable])
    /// A vector of `count` structs given as packed bytes, each aligned to
    /// `alignment`.
    case structs(bytes: [UInt8], count: Int, alignment: Int)
}

/// Little-endian byte helpers for flatbuffers and Arrow IPC.
enum FlatBytes {
    /// The little-endian bytes of `value`.
    static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }
}

/// Encodes a ``FlatTable`` tree into flatbuffer bytes.
///
/// Objects are laid out front to back: the root offset, then each table's
/// vtable, the table, and the objects it refers to (so every `uoffset`
/// points forward, as the format requires, and a vtable sits just before
/// its table). Every scalar is aligned to its size and the result is
/// padded to a multiple of 8 bytes, as Arrow IPC messages need. No vtable
/// sharing: Arrow metadata is small.
enum FlatBufferEncoder {
    /// The flatbuffer whose root is `root`, padded to a multiple of 8.
    static func encode(root: FlatTable) -> [UInt8] {
        var writer = Writer()
        writer.bytes.append(contentsOf: [0, 0, 0, 0])
        let position = writer.write(.table(root))
        writer.patchOffset(at: 0, to: position)
        writer.align(8)
        return writer.bytes
    }

    private struct Writer {
        var bytes: [UInt8] = []

        mutating func align(_ alignment: Int) {
            while bytes.count % alignment != 0 { bytes.append(0) }
        }

        mutating func patchOffset(at position: Int, to target: Int) {
            patch(UInt32(target - position), at: position)
        }

        mutating func patch<T: FixedWidthInteger>(_ value: T, at position: Int) {
            for (index, byte) in FlatBytes.littleEndian(value).enumerated() { bytes[position + index] = byte }
        }

        /// Writes `object` at the end; returns where it starts (what an
        /// offset to it points at).
        mutating func write(_ object: FlatObject) -> Int {
            switch object {
            case .string(let text):
                align(4)
                let position = bytes.count
                bytes.append(contentsOf: FlatBytes.littleEndian(UInt32(text.utf8.count)))
                bytes.append(contentsOf: text.utf8)
                bytes.append(0)
                return position
            case .structs(let packed, let count, let alignment):
                // The elements follow the 4-byte length and must be aligned.
                align(4)
                while (bytes.count + 4) % max(alignment, 4) != 0 { bytes.append(0) }
                let position = bytes.count
                bytes.append(contentsOf: FlatBytes.littleEndian(UInt32(count)))
                bytes.append(contentsOf: packed)
                return position
            case .tables(let tables):
                align(4)
                let position = bytes.count
                bytes.append(contentsOf: FlatBytes.littleEndian(UInt32(tables.count)))
                bytes.append(contentsOf: [UInt8](repeating: 0, count: 4 * tables.count))
                for (index, table) in tables.enumerated() {
                    let element = position + 4 + 4 * index
                    patchOffset(at: element, to: write(.table(table)))
                }
                return position
            case .table(let table):
                return write(table)
            }
        }

        private mutating func write(_ table: FlatTable) -> Int {
            // Inline layout: the soffset to the vtable, then the fields,
            // largest first so that each lands aligned.
            let present = table.slots.enumerated().compactMap { slot, value in value.map { (slot, $0) } }
            let sized = present.map { slot, value -> (slot: Int, size: Int, value: FlatTable.Value) in
                switch value {
                case .scalar(let scalar): (slot, scalar.count, value)
                case .object: (slot, 4, value)
                }
            }.sorted { $0.size != $1.size ? $0.size > $1.size : $0.slot < $1.slot }
            let tableAlignment = max(4, sized.first?.size ?? 4)

            align(2)
            let vtable = bytes.count
            let vtableSize = 4 + 2 * table.slots.count
            bytes.append(contentsOf: [UInt8](repeating: 0, count: vtableSize))
            // The table starts aligned, so offsets aligned within it are aligned absolutely.
            align(tableAlignment)
            let start = bytes.count
            bytes.append(contentsOf: FlatBytes.littleEndian(Int32(start - vtable)))
            var fieldOffsets: [(slot: Int, position: Int, value: FlatTable.Value)] = []
            for field in sized {
                align(field.size)
                fieldOffsets.append((field.slot, bytes.count, field.value))
                switch field.value {
                case .scalar(let scalar): bytes.append(contentsOf: scalar)
                case .object: bytes.append(contentsOf: [0, 0, 0, 0])
                }
            }
            patch(UInt16(vtableSize), at: vtable)
            patch(UInt16(bytes.count - start), at: vtable + 2)
            for field in fieldOffsets {
                patch(UInt16(field.position - start), at: vtable + 4 + 2 * field.slot)
            }
            for field in fieldOffsets {
                if case .object(let object) = field.value {
                    patchOffset(at: field.position, to: write(object))
                }
            }
            return start
        }
    }
}
