import CETLPlugin
import ETLPluginKit
#if canImport(Glibc)
import Glibc
#endif

/// The memory behind one batch read from an IPC file: the body, the
/// decompressed buffers and the C structs, freed together when the last
/// node that retains it is released.
final class IPCBatchStorage {
    private var blocks: [UnsafeMutableRawPointer] = []

    /// `count` bytes, 8-byte aligned, freed with the storage.
    func allocate(_ count: Int) -> UnsafeMutableRawPointer {
        var pointer: UnsafeMutableRawPointer?
        guard posix_memalign(&pointer, 64, max(count, 1)) == 0, let pointer else { fatalError("out of memory (\(count) bytes)") }
        blocks.append(pointer)
        return pointer
    }

    deinit {
        for block in blocks { free(block) }
    }
}

/// The `release` of array nodes read from IPC files: releases the children
/// still there (for the parent), then drops the node's hold on the storage.
private let releaseIPCNode: @convention(c) (UnsafeMutablePointer<ArrowArray>?) -> Void = { array in
    guard let array, array.pointee.release != nil else { return }
    if let children = array.pointee.children {
        for index in 0..<Int(array.pointee.n_children) {
            if let child = children[index], let release = child.pointee.release { release(child) }
        }
    }
    if let storage = array.pointee.private_data {
        Unmanaged<IPCBatchStorage>.fromOpaque(storage).release()
    }
    array.pointee.release = nil
    array.pointee.private_data = nil
}

/// Turns a record batch message (header + body) into a C `"+s"` array:
/// buffers located and decompressed, their sizes checked against the
/// column lengths (the C Data Interface carries no sizes, so this is where
/// a short buffer is caught).
enum IPCBatchAssembler {
    /// The batch as a C array in a fresh allocation (the caller moves it
    /// into an ``ImportedBatch`` and deallocates the struct).
    static func assemble(header: IPCMessage.RecordBatchHeader, schema: ArrowBatchSchema, body: UnsafeRawBufferPointer,
                         codec: IPCCodec?, storage: IPCBatchStorage) throws -> UnsafeMutablePointer<ArrowArray> {
        guard header.nodes.count == schema.count else {
            throw ArrowIPCError("it has \(header.nodes.count) columns, the schema \(schema.count)")
        }
        let rows = header.rows
        let children = storage.allocate(MemoryLayout<UnsafeMutablePointer<ArrowArray>?>.stride * max(schema.count, 1))
            .bindMemory(to: UnsafeMutablePointer<ArrowArray>?.self, capacity: max(schema.count, 1))
        var nextBuffer = 0
        func buffer(_ column: String) throws -> UnsafeRawBufferPointer {
            guard nextBuffer < header.buffers.count else { throw ArrowIPCError("column \(column): the message lists too few buffers") }
            defer { nextBuffer += 1 }
            return try locate(header.buffers[nextBuffer], in: body, codec: codec, storage: storage, column: column)
        }
        for (index, field) in schema.fields.enumerated() {
            let node = header.nodes[index]
            let label = "\"\(field.name)\""
            guard node.length == Int64(rows) else {
                throw ArrowIPCError("column \(label) has \(node.length) values, the batch \(rows) rows")
            }
            guard node.nullCount >= 0, node.nullCount <= node.length else {
                throw ArrowIPCError("column \(label) has a null count of \(node.nullCount) for \(node.length) values")
            }
            var pointers: [UnsafeRawPointer?] = []
            switch field.type {
            case .null:
                break
            case .bool, .int64, .float64, .date32, .timestampMicrosecondsUTC:
                let validity = try buffer(label)
                let values = try buffer(label)
                let needed = field.type == .bool ? (rows + 7) / 8 : rows * field.type.valueWidth!
                try require(values, needed, "values", label)
                pointers = [try validityPointer(validity, node: node, rows: rows, label: label), values.baseAddress]
            case .utf8, .binary:
                let validity = try buffer(label)
                let offsets = try buffer(label)
                let data = try buffer(label)
                var end = 0
                if rows > 0 {
                    try require(offsets, (rows + 1) * 4, "offsets", label)
                    end = Int(offsets.loadUnaligned(fromByteOffset: rows * 4, as: Int32.self))
                    guard end >= 0, end <= data.count else {
                        throw ArrowIPCError("column \(label): the last offset (\(end)) lies past its \(data.count) bytes of data")
                    }
                }
                pointers = [try validityPointer(validity, node: node, rows: rows, label: label), offsets.baseAddress,
                            end > 0 ? data.baseAddress : nil]
            }
            let buffers = storage.allocate(MemoryLayout<UnsafeRawPointer?>.stride * max(pointers.count, 1))
                .bindMemory(to: UnsafeRawPointer?.self, capacity: max(pointers.count, 1))
            for (position, pointer) in pointers.enumerated() { buffers[position] = pointer }
            let child = storage.allocate(MemoryLayout<ArrowArray>.stride).bindMemory(to: ArrowArray.self, capacity: 1)
            child.initialize(to: ArrowArray(
                length: node.length, null_count: field.type == .null ? node.length : node.nullCount, offset: 0,
                n_buffers: Int64(pointers.count), n_children: 0, buffers: pointers.isEmpty ? nil : buffers,
                children: nil, dictionary: nil, release: releaseIPCNode,
                private_data: Unmanaged.passRetained(storage).toOpaque()))
            children[index] = child
        }
        let parentBuffers = storage.allocate(MemoryLayout<UnsafeRawPointer?>.stride).bindMemory(to: UnsafeRawPointer?.self, capacity: 1)
        parentBuffers[0] = nil
        let array = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
        array.initialize(to: ArrowArray(
            length: Int64(rows), null_count: 0, offset: 0, n_buffers: 1, n_children: Int64(schema.count),
            buffers: parentBuffers, children: children, dictionary: nil, release: releaseIPCNode,
            private_data: Unmanaged.passRetained(storage).toOpaque()))
        return array
    }

    private static func require(_ buffer: UnsafeRawBufferPointer, _ bytes: Int, _ what: String, _ label: String) throws {
        guard buffer.count >= bytes else {
            throw ArrowIPCError("column \(label): the \(what) buffer has \(buffer.count) bytes, \(bytes) are needed")
        }
    }

    private static func validityPointer(_ validity: UnsafeRawBufferPointer, node: IPCMessage.FieldNode, rows: Int,
                                        label: String) throws -> UnsafeRawPointer? {
        if validity.count == 0 {
            guard node.nullCount == 0 || rows == 0 else {
                throw ArrowIPCError("column \(label) has \(node.nullCount) nulls but no validity bitmap")
            }
            return nil
        }
        try require(validity, (rows + 7) / 8, "validity", label)
        return validity.baseAddress
    }

    /// The bytes of one buffer: in the body when stored as they are and
    /// aligned, else decompressed (or copied) into the storage.
    private static func locate(_ range: IPCMessage.BufferRange, in body: UnsafeRawBufferPointer, codec: IPCCodec?,
                               storage: IPCBatchStorage, column: String) throws -> UnsafeRawBufferPointer {
        guard range.offset >= 0, range.length >= 0, range.offset + range.length <= Int64(body.count) else {
            throw ArrowIPCError("column \(column): a buffer (offset \(range.offset), \(range.length) bytes) lies outside the body of \(body.count) bytes")
        }
        guard range.length > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        var bytes = UnsafeRawBufferPointer(rebasing: body[Int(range.offset)..<Int(range.offset + range.length)])
        if let codec {
            guard bytes.count >= 8 else { throw ArrowIPCError("column \(column): a compressed buffer is shorter than its length prefix") }
            let length = Int64(littleEndian: bytes.loadUnaligned(as: Int64.self))
            let payload = UnsafeRawBufferPointer(rebasing: bytes[8...])
            if length == -1 {
                bytes = payload
            } else {
                guard length >= 0, length <= 1 << 40 else { throw ArrowIPCError("column \(column): a buffer's length prefix is \(length)") }
                let destination = storage.allocate(Int(length))
                if length > 0 { try codec.decompress(payload, into: destination, count: Int(length)) }
                return UnsafeRawBufferPointer(start: destination, count: Int(length))
            }
        }
        guard Int(bitPattern: bytes.baseAddress) % 8 == 0 else {
            let copy = storage.allocate(bytes.count)
            copy.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            return UnsafeRawBufferPointer(start: copy, count: bytes.count)
        }
        return bytes
    }
}
