/// Safe access to the fields of the contract's size-versioned structs.
///
/// Every struct of `etl_plugin.h` that crosses the boundary begins with a
/// `uint32_t struct_size` set by whoever allocated it, and a field beyond
/// that size must be neither read nor written (`ETL_HAS_FIELD`). These
/// helpers read and write one field through raw memory, so that they never
/// touch a byte past the other side's struct, and answer `nil` / `false`
/// when the field is absent.
///
/// ```swift
/// if let log = CStructField.read(\etl_host_api.log, from: host) { ... }
/// ```
public enum CStructField {
    /// The offset just past `field`: `offsetof(type, field) + sizeof(field)`.
    public static func end<Root, Value>(of field: KeyPath<Root, Value>) -> Int {
        // Every key path passed here names a stored field of an imported C
        // struct, for which the offset is always known.
        MemoryLayout<Root>.offset(of: field)! + MemoryLayout<Value>.size
    }

    /// The `struct_size` stored in the first four bytes of `pointer`.
    public static func structSize(at pointer: UnsafeRawPointer) -> UInt32 {
        pointer.load(as: UInt32.self)
    }

    /// `ETL_HAS_FIELD(pointer, Root, field)`: whether the struct at `pointer`
    /// is large enough, by its own `struct_size`, to contain `field`.
    public static func has<Root, Value>(
        _ field: KeyPath<Root, Value>, in pointer: UnsafePointer<Root>
    ) -> Bool {
        Int(structSize(at: UnsafeRawPointer(pointer))) >= end(of: field)
    }

    /// Reads `field` of the struct at `pointer`, or `nil` when the struct's
    /// `struct_size` says it does not have it.
    public static func read<Root, Value>(
        _ field: KeyPath<Root, Value>, from pointer: UnsafePointer<Root>
    ) -> Value? {
        guard has(field, in: pointer) else { return nil }
        let offset = MemoryLayout<Root>.offset(of: field)!
        return UnsafeRawPointer(pointer).load(fromByteOffset: offset, as: Value.self)
    }

    /// Writes `field` of the struct at `pointer` when its `struct_size` says
    /// it has it; returns whether it was written. `Value` must be a trivial
    /// type (integers, pointers, C function pointers).
    @discardableResult
    public static func write<Root, Value>(
        _ value: Value, to field: KeyPath<Root, Value>, of pointer: UnsafeMutablePointer<Root>
    ) -> Bool {
        guard has(field, in: UnsafePointer(pointer)) else { return false }
        let offset = MemoryLayout<Root>.offset(of: field)!
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, toByteOffset: offset, as: Value.self)
        return true
    }
}
