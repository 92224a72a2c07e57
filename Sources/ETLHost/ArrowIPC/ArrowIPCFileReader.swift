import CETLPlugin
import ETLPluginKit
import Foundation

/// Reads an Arrow IPC file back, one record batch at a time, as validated
/// ``ImportedBatch``es (the same checks a plugin's batch passes, so a
/// damaged file is an error, not a crash).
///
/// Reads what ``ArrowIPCFileWriter`` writes and what other writers (pyarrow,
/// arrow-rs, ...) write with the v1 column types: uncompressed or with
/// LZ4_FRAME or ZSTD buffers, in any order the footer lists.
///
/// ```swift
/// let reader = try ArrowIPCFileReader(path: "1.arrow")
/// while let batch = try reader.next() { … }
/// ```
///
/// Memory stays flat: one batch is held at a time.
public final class ArrowIPCFileReader {
    /// The file's path.
    public let path: String
    /// The columns of every batch.
    public let schema: ArrowBatchSchema
    /// The number of record batches.
    public var batchCount: Int { blocks.count }
    private let descriptor: Int32
    private let blocks: [IPCMessage.Block]
    private let fileSize: Int
    private var nextBlock = 0
    private var codecs: [IPCCompression: IPCCodec] = [:]
    private let origin: ImportedBatch.Origin

    /// Opens `path` and reads its footer.
    ///
    /// - Throws: ``ArrowIPCError`` when the file is not a complete Arrow IPC
    ///   file (no magic, no footer: a file cut short) or uses types outside
    ///   ABI v1; `HostError(.io)` when it cannot be read.
    public convenience init(path: String) throws {
        try self.init(path: path, origin: .plugin)
    }

    /// Opens `path`, a file of `origin`: ``ImportedBatch/Origin/ownFile``
    /// for a file this process wrote from checked batches (the spool),
    /// whose batches are then not checked for UTF-8 a second time.
    init(path: String, origin: ImportedBatch.Origin) throws {
        self.path = path
        self.origin = origin
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw HostError(.io, "cannot open '\(path)': \(errnoDescription())") }
        do {
            var status = stat()
            guard fstat(descriptor, &status) == 0 else { throw HostError(.io, "cannot read '\(path)': \(errnoDescription())") }
            fileSize = Int(status.st_size)
            let magic = IPCMessage.fileMagic
            guard fileSize >= 8 + 10 else { throw ArrowIPCError("the file is too short (\(fileSize) bytes) to be an Arrow IPC file") }
            let head = try Self.read(descriptor, path, at: 0, count: 6)
            guard head == magic else { throw ArrowIPCError("the file does not start with the Arrow magic ARROW1") }
            let tail = try Self.read(descriptor, path, at: fileSize - 10, count: 10)
            guard Array(tail[4...]) == magic else {
                throw ArrowIPCError("the file does not end with the Arrow magic ARROW1: it was cut short (a run killed while writing it?)")
            }
            let footerLength = Int(tail.withUnsafeBytes { Int32(littleEndian: $0.loadUnaligned(as: Int32.self)) })
            guard footerLength > 0, footerLength <= fileSize - 18 else {
                throw ArrowIPCError("the footer length (\(footerLength)) does not fit the file")
            }
            let footerBytes = try Self.read(descriptor, path, at: fileSize - 10 - footerLength, count: footerLength)
            (schema, blocks) = try footerBytes.withUnsafeBytes { bytes in
                let (schemaTable, blocks) = try IPCMessage.decodeFooter(bytes)
                return (try IPCSchema.decode(schemaTable), blocks)
            }
        } catch {
            close(descriptor)
            throw error
        }
    }

    deinit { close(descriptor) }

    /// The next batch, or `nil` after the last.
    ///
    /// - Throws: ``ArrowIPCError`` for a damaged message, buffer or column
    ///   (naming the batch); `HostError(.io)` when the file cannot be read.
    public func next() throws -> ImportedBatch? {
        guard nextBlock < blocks.count else { return nil }
        let index = nextBlock
        nextBlock += 1
        do {
            return try read(blocks[index])
        } catch let error as ArrowIPCError {
            throw ArrowIPCError("record batch \(index + 1): \(error.description)")
        }
    }

    private func read(_ block: IPCMessage.Block) throws -> ImportedBatch {
        let metadataLength = Int(block.metadataLength)
        let bodyLength = Int(block.bodyLength)
        guard block.offset >= 8, metadataLength >= 8, bodyLength >= 0,
              Int(block.offset) + metadataLength + bodyLength <= fileSize else {
            throw ArrowIPCError("its block (offset \(block.offset)) lies outside the file")
        }
        let metadata = try Self.read(descriptor, path, at: Int(block.offset), count: metadataLength)
        let header = try metadata.withUnsafeBytes { bytes -> IPCMessage.RecordBatchHeader in
            // Since format 0.15: 0xFFFFFFFF, then the length; before: the length alone.
            var start = 4
            if bytes.loadUnaligned(as: UInt32.self) == IPCMessage.continuation { start = 8 }
            let length = Int(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: start - 4, as: Int32.self)))
            guard length > 0, start + length <= bytes.count else { throw ArrowIPCError("its metadata length (\(length)) does not fit its block") }
            return try IPCMessage.decodeRecordBatch(UnsafeRawBufferPointer(rebasing: bytes[start..<(start + length)]))
        }
        let storage = IPCBatchStorage()
        let bodyPointer = storage.allocate(max(bodyLength, 1))
        try Self.read(descriptor, path, at: Int(block.offset) + metadataLength, into: bodyPointer, count: bodyLength)
        let body = UnsafeRawBufferPointer(start: bodyPointer, count: bodyLength)
        let codec = header.compression == .none ? nil : codecs[header.compression, default: IPCCodec(header.compression)]
        if let codec { codecs[header.compression] = codec }
        let array = try IPCBatchAssembler.assemble(header: header, schema: schema, body: body, codec: codec, storage: storage)
        defer { array.deallocate() }
        do {
            return try ImportedBatch(taking: array, schema: schema, origin: origin)
        } catch {
            throw ArrowIPCError(error.message)
        }
    }

    static func read(_ descriptor: Int32, _ path: String, at offset: Int, count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        try bytes.withUnsafeMutableBytes { try read(descriptor, path, at: offset, into: $0.baseAddress!, count: count) }
        return bytes
    }

    static func read(_ descriptor: Int32, _ path: String, at offset: Int, into destination: UnsafeMutableRawPointer, count: Int) throws {
        var done = 0
        while done < count {
            let result = pread(descriptor, destination + done, count - done, off_t(offset + done))
            if result < 0, errno == EINTR { continue }
            guard result >= 0 else { throw HostError(.io, "cannot read '\(path)': \(errnoDescription())") }
            guard result > 0 else { throw ArrowIPCError("the file ends early (at byte \(offset + done))") }
            done += result
        }
    }
}
