import CETLPlugin
import ETLHost
import ETLPluginKit
import Foundation

/// Checks Arrow C structs from a plugin against the rules of ABI v1 (see
/// "BATCHES IN ABI v1" in `etl_plugin.h` and the host's importer in
/// ETLPluginKit), reporting the first problem of each column by name and
/// position, e.g. `column 2 ("label", utf8): offsets are not monotonic:
/// offset[3]=9 < offset[2]=12`.
///
/// Unlike the importer it never trusts a pointer: every buffer is looked up
/// in ``MemoryMap`` before it is read, so an offset or a length far past a
/// buffer is reported, not a crash. What the C Data Interface cannot tell
/// (how many bytes a buffer was allocated) it cannot check: a short
/// overrun into other readable memory goes unnoticed.
struct ArrowAudit {
    /// The largest length or offset accepted, as in the host's importer.
    static let lengthLimit: Int64 = 1 << 40

    private var memory = MemoryMap()

    // MARK: Schemas

    /// The schema of a stream (from get_schema) or a table (from
    /// table_schema), or the first problem found in it.
    mutating func schema(_ schema: UnsafePointer<ArrowSchema>) -> Result<ArrowBatchSchema, AuditProblem> {
        let root = schema.pointee
        guard root.release != nil else {
            return .failure(AuditProblem("the schema is marked released (release is NULL)"))
        }
        guard memory.isReadable(root.format, count: 1) else {
            return .failure(AuditProblem("the schema's format pointer is NULL or unreadable"))
        }
        let count = Int(clamping: root.n_children)
        if count > 0 {
            guard count <= 100_000 else {
                return .failure(AuditProblem("the schema has n_children = \(root.n_children)"))
            }
            guard memory.isReadable(root.children, count: count * MemoryLayout<UnsafeRawPointer>.size) else {
                return .failure(AuditProblem("the schema has \(count) children but its children pointer is NULL or unreadable"))
            }
            for index in 0 ..< count {
                guard let child = root.children[index],
                      memory.isReadable(child, count: MemoryLayout<ArrowSchema>.size)
                else {
                    return .failure(AuditProblem("schema column \(index + 1): the child pointer is NULL or unreadable"))
                }
                let node = child.pointee
                guard memory.isReadable(node.format, count: 1) else {
                    return .failure(AuditProblem("schema column \(index + 1): the format pointer is NULL or unreadable"))
                }
                guard node.name == nil || memory.isReadable(node.name, count: 1) else {
                    return .failure(AuditProblem("schema column \(index + 1): the name pointer is unreadable"))
                }
                guard node.metadata == nil || memory.isReadable(node.metadata, count: 4) else {
                    return .failure(AuditProblem("schema column \(index + 1): the metadata pointer is unreadable"))
                }
            }
        }
        do {
            return .success(try ArrowBatchSchema(importing: schema))
        } catch {
            return .failure(AuditProblem(error.message))
        }
    }

    // MARK: Batches

    /// The problems of one batch: a problem of the batch itself, or the
    /// first problem of each column. Empty when the batch is well formed.
    mutating func batch(_ array: UnsafePointer<ArrowArray>, schema: ArrowBatchSchema) -> [String] {
        let root = array.pointee
        if let problem = range(root.length, "the batch's length") { return [problem] }
        if let problem = range(root.offset, "the batch's offset") { return [problem] }
        guard root.n_buffers == 1 else {
            return ["a \"+s\" batch must have n_buffers = 1 (its validity), it has \(root.n_buffers)"]
        }
        guard root.dictionary == nil else { return ["a batch must not have a dictionary"] }
        guard memory.isReadable(root.buffers, count: MemoryLayout<UnsafeRawPointer>.size) else {
            return ["the batch's buffers pointer is NULL or unreadable"]
        }
        let rows = Int(root.length)
        let rowOffset = Int(root.offset)
        if let validity = root.buffers[0] {
            let bytes = (rowOffset + rows + 7) / 8
            guard memory.isReadable(validity, count: bytes) else {
                return ["the batch's validity bitmap needs \(bytes) bytes but only "
                    + "\(memory.readableCount(from: validity, count: bytes)) are readable"]
            }
            let nulls = Self.countClear(validity.assumingMemoryBound(to: UInt8.self), offset: rowOffset, length: rows)
            if nulls > 0 {
                return ["the batch has \(nulls) null rows at the struct level; ABI v1 batches have none "
                    + "(put nulls in the columns)"]
            }
        } else if root.null_count != 0, root.null_count != -1 {
            return ["the batch has null_count = \(root.null_count) but no validity bitmap"]
        }
        guard root.n_children == Int64(schema.count) else {
            return ["the batch has \(root.n_children) columns but its schema has \(schema.count) "
                + "(\(schema.fields.map(\.name).joined(separator: ", ")))"]
        }
        guard schema.count == 0 || memory.isReadable(root.children, count: schema.count * MemoryLayout<UnsafeRawPointer>.size)
        else { return ["the batch has \(schema.count) columns but its children pointer is NULL or unreadable"] }
        var problems: [String] = []
        for (index, field) in schema.fields.enumerated() {
            let label = "column \(index + 1) (\"\(field.name)\", \(field.type))"
            guard let child = root.children[index], memory.isReadable(child, count: MemoryLayout<ArrowArray>.size) else {
                problems.append("\(label): the child array pointer is NULL or unreadable")
                continue
            }
            if let problem = column(child.pointee, field: field, rowOffset: rowOffset, rows: rows) {
                problems.append("\(label): \(problem)")
            }
        }
        return problems
    }

    /// The first problem of one column, or `nil`.
    private mutating func column(_ child: ArrowArray, field: ArrowField, rowOffset: Int, rows: Int) -> String? {
        let type = field.type
        guard child.release != nil else { return "the array is marked released (release is NULL)" }
        if let problem = range(child.length, "its length") { return problem }
        if let problem = range(child.offset, "its offset") { return problem }
        guard child.null_count >= -1 else { return "null_count is \(child.null_count)" }
        guard child.n_children == 0 else { return "it has \(child.n_children) children; columns of ABI v1 have none" }
        guard child.dictionary == nil else { return "it is dictionary-encoded, which ABI v1 does not allow" }
        guard child.n_buffers == Int64(type.bufferCount) else {
            return "n_buffers is \(child.n_buffers); a \(type) array has \(type.bufferCount)"
        }
        let length = Int(child.length)
        let offset = Int(child.offset)
        guard length >= rowOffset + rows else {
            return "its length is \(length) but the batch needs \(rowOffset + rows) (offset \(rowOffset) + \(rows) rows)"
        }
        if type == .null {
            guard child.null_count == child.length || child.null_count == -1 else {
                return "null_count is \(child.null_count) but a null array of length \(length) has \(length) nulls"
            }
            return nil
        }
        guard memory.isReadable(child.buffers, count: type.bufferCount * MemoryLayout<UnsafeRawPointer>.size) else {
            return "its buffers pointer is NULL or unreadable"
        }
        let extent = offset + length
        // Validity.
        if let bitmap = child.buffers[0] {
            let bytes = (extent + 7) / 8
            guard memory.isReadable(bitmap, count: bytes) else {
                return "the validity bitmap (buffers[0]) needs \(bytes) bytes for offset \(offset) + length "
                    + "\(length), but only \(memory.readableCount(from: bitmap, count: bytes)) are readable"
            }
            let bits = bitmap.assumingMemoryBound(to: UInt8.self)
            let nulls = Self.countClear(bits, offset: offset, length: length)
            guard child.null_count == -1 || child.null_count == Int64(nulls) else {
                return "null_count is \(child.null_count) but the validity bitmap has \(nulls) nulls"
            }
            if !field.nullable, nulls > 0 {
                return "the schema says the column has no nulls (no ARROW_FLAG_NULLABLE) but it has \(nulls)"
            }
        } else if child.null_count != 0, child.null_count != -1 {
            return "null_count is \(child.null_count) but there is no validity bitmap"
        }
        // Values.
        guard let values = child.buffers[1] else {
            return length == 0 ? nil : "the values buffer (buffers[1]) is NULL"
        }
        switch type {
        case .bool:
            let bytes = (extent + 7) / 8
            if !memory.isReadable(values, count: bytes) {
                return "the values bitmap (buffers[1]) needs \(bytes) bytes but only "
                    + "\(memory.readableCount(from: values, count: bytes)) are readable"
            }
            return nil
        case .utf8, .binary:
            return offsets(values, data: child.buffers[2], offset: offset, length: length, utf8: type == .utf8)
        default:
            let bytes = extent * (type.valueWidth ?? 8)
            if !memory.isReadable(values, count: bytes) {
                return "the values buffer (buffers[1]) needs \(bytes) bytes for offset \(offset) + length "
                    + "\(length), but only \(memory.readableCount(from: values, count: bytes)) are readable"
            }
            return nil
        }
    }

    /// Int32 offsets: readable, non-negative, monotonic, within readable
    /// data; for utf8, every value valid UTF-8.
    private mutating func offsets(_ buffer: UnsafeRawPointer, data: UnsafeRawPointer?, offset: Int, length: Int,
                                  utf8: Bool) -> String? {
        let needed = (offset + length + 1) * 4
        guard memory.isReadable(buffer, count: needed) else {
            return "the offsets buffer (buffers[1]) needs \(needed) bytes for offset \(offset) + length \(length) + 1, "
                + "but only \(memory.readableCount(from: buffer, count: needed)) are readable"
        }
        let offsets = buffer.assumingMemoryBound(to: Int32.self)
        let first = Int(offsets[offset])
        guard first >= 0 else { return "offset[\(offset)]=\(first) is negative" }
        var previous = first
        for index in stride(from: offset + 1, through: offset + length, by: 1) {
            let next = Int(offsets[index])
            guard next >= previous else {
                return "offsets are not monotonic: offset[\(index)]=\(next) < offset[\(index - 1)]=\(previous)"
            }
            previous = next
        }
        let last = previous
        guard last > first else { return nil }
        guard let data else {
            return "the data buffer (buffers[2]) is NULL but the offsets span \(last - first) bytes"
        }
        let readable = memory.readableCount(from: data + first, count: last - first)
        if readable < last - first {
            // Name the first offset that points past the readable data.
            let end = first + readable
            var index = offset + 1
            while index < offset + length, Int(offsets[index]) <= end { index += 1 }
            return "offset[\(index)]=\(offsets[index]) is past the end of the data buffer (buffers[2]): "
                + "readable memory ends \(end) bytes after its start"
        }
        guard utf8 else { return nil }
        for row in 0 ..< length {
            let start = Int(offsets[offset + row])
            let end = Int(offsets[offset + row + 1])
            guard end > start else { continue }
            let bytes = UnsafeRawBufferPointer(start: data + start, count: end - start)
            if let bad = UTF8Validator.firstInvalidOffset(bytes) {
                let byte = String(format: "0x%02X", bytes[bad])
                return "row \(row + 1) is not valid UTF-8 (byte \(bad + 1) of the value, \(byte); "
                    + "offset[\(offset + row)]=\(start)..offset[\(offset + row + 1)]=\(end))"
            }
        }
        return nil
    }

    private func range(_ value: Int64, _ what: String) -> String? {
        value >= 0 && value <= Self.lengthLimit ? nil : "\(what) is \(value)"
    }

    /// The number of clear bits in `offset ..< offset + length`.
    static func countClear(_ bitmap: UnsafePointer<UInt8>, offset: Int, length: Int) -> Int {
        var clear = 0
        for index in offset ..< offset + length where (bitmap[index >> 3] >> UInt8(index & 7)) & 1 == 0 {
            clear += 1
        }
        return clear
    }
}

/// A problem found by ``ArrowAudit``.
struct AuditProblem: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
