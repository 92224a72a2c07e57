/// The Arrow IPC messages etl-host writes and reads (Message.fbs, File.fbs):
/// the encapsulation of a message, `RecordBatch` metadata and the file
/// footer.
///
/// An encapsulated message is the continuation marker `0xFFFFFFFF`, an
/// int32 metadata length (the flatbuffer plus padding, so that the body
/// starts 8-byte aligned), the `Message` flatbuffer, then the body.
enum IPCMessage {
    /// `MetadataVersion.V5`.
    static let version: Int16 = 4
    /// `MessageHeader` union ids.
    enum HeaderType: UInt8 {
        case schema = 1, dictionaryBatch = 2, recordBatch = 3
    }
    /// The continuation marker that starts every message since format 0.15.
    static let continuation: UInt32 = 0xFFFF_FFFF
    /// The magic at both ends of an IPC file.
    static let fileMagic: [UInt8] = Array("ARROW1".utf8)

    /// A `FieldNode` struct: one column's length and null count.
    struct FieldNode: Equatable {
        var length: Int64
        var nullCount: Int64
    }

    /// A `Buffer` struct: where one buffer lies in the body.
    struct BufferRange: Equatable {
        var offset: Int64
        var length: Int64
    }

    /// A `Block` of the footer: where one message lies in the file.
    struct Block: Equatable {
        /// The file offset of the message (its continuation marker).
        var offset: Int64
        /// The bytes before the body: marker, length and flatbuffer.
        var metadataLength: Int32
        var bodyLength: Int64
    }

    /// The encapsulated bytes of a message (without its body).
    static func encapsulate(_ header: HeaderType, _ headerTable: FlatTable, bodyLength: Int) -> [UInt8] {
        var message = FlatTable()
        message.set(0, int16: version)
        message.set(1, uint8: header.rawValue)
        message.set(2, table: headerTable)
        message.set(3, int64: Int64(bodyLength))
        let flatbuffer = FlatBufferEncoder.encode(root: message)  // a multiple of 8 long
        return FlatBytes.littleEndian(continuation) + FlatBytes.littleEndian(Int32(flatbuffer.count)) + flatbuffer
    }

    /// The `RecordBatch` table.
    static func recordBatch(rows: Int, nodes: [FieldNode], buffers: [BufferRange], compression: IPCCompression) -> FlatTable {
        var table = FlatTable()
        table.set(0, int64: Int64(rows))
        table.set(1, structs: nodes.flatMap { FlatBytes.littleEndian($0.length) + FlatBytes.littleEndian($0.nullCount) },
                  count: nodes.count, alignment: 8)
        table.set(2, structs: buffers.flatMap { FlatBytes.littleEndian($0.offset) + FlatBytes.littleEndian($0.length) },
                  count: buffers.count, alignment: 8)
        if let codec = compression.codecID {
            var body = FlatTable()
            body.set(0, int8: codec)
            body.set(1, int8: 0)  // BodyCompressionMethod.BUFFER
            table.set(3, table: body)
        }
        return table
    }

    /// The `Footer` table of a file.
    static func footer(schema: FlatTable, recordBatches: [Block]) -> FlatTable {
        var table = FlatTable()
        table.set(0, int16: version)
        table.set(1, table: schema)
        table.set(2, structs: [], count: 0, alignment: 8)
        table.set(3, structs: recordBatches.flatMap { block in
            FlatBytes.littleEndian(block.offset) + FlatBytes.littleEndian(block.metadataLength) + [0, 0, 0, 0]
                + FlatBytes.littleEndian(block.bodyLength)
        }, count: recordBatches.count, alignment: 8)
        return table
    }

    /// A decoded `RecordBatch` header.
    struct RecordBatchHeader {
        var rows: Int
        var nodes: [FieldNode]
        var buffers: [BufferRange]
        var compression: IPCCompression
    }

    /// Decodes the `Message` flatbuffer of a record batch.
    ///
    /// - Throws: ``ArrowIPCError`` for another message type or a malformed one.
    static func decodeRecordBatch(_ flatbuffer: UnsafeRawBufferPointer) throws -> RecordBatchHeader {
        let message = try FlatTableView(root: flatbuffer)
        let type = try message.scalar(1, default: UInt8(0))
        guard type == HeaderType.recordBatch.rawValue, let batch = try message.table(2) else {
            throw ArrowIPCError(type == HeaderType.dictionaryBatch.rawValue
                ? "the file holds a dictionary batch; etl-host does not read dictionary-encoded columns"
                : "expected a record batch message, found message type \(type)")
        }
        let rows = try batch.scalar(0, default: Int64(0))
        var nodes: [FieldNode] = []
        if let (count, start) = try batch.vector(1, elementSize: 16) {
            for index in 0..<count {
                nodes.append(FieldNode(length: try FlatTableView.load(Int64.self, flatbuffer, at: start + 16 * index),
                                       nullCount: try FlatTableView.load(Int64.self, flatbuffer, at: start + 16 * index + 8)))
            }
        }
        var buffers: [BufferRange] = []
        if let (count, start) = try batch.vector(2, elementSize: 16) {
            for index in 0..<count {
                buffers.append(BufferRange(offset: try FlatTableView.load(Int64.self, flatbuffer, at: start + 16 * index),
                                           length: try FlatTableView.load(Int64.self, flatbuffer, at: start + 16 * index + 8)))
            }
        }
        var compression = IPCCompression.none
        if let body = try batch.table(3) {
            let codec = try body.scalar(0, default: Int8(0))
            guard let known = IPCCompression(codecID: codec) else {
                throw ArrowIPCError("the buffers use compression codec \(codec), which is neither LZ4_FRAME nor ZSTD")
            }
            guard try body.scalar(1, default: Int8(0)) == 0 else {
                throw ArrowIPCError("the body uses a compression method other than BUFFER")
            }
            compression = known
        }
        guard rows >= 0 else { throw ArrowIPCError("a record batch has \(rows) rows") }
        return RecordBatchHeader(rows: Int(rows), nodes: nodes, buffers: buffers, compression: compression)
    }

    /// A decoded file footer: the schema and the record batches' blocks.
    static func decodeFooter(_ flatbuffer: UnsafeRawBufferPointer) throws -> (schema: FlatTableView, blocks: [Block]) {
        let footer = try FlatTableView(root: flatbuffer)
        guard let schema = try footer.table(1) else { throw ArrowIPCError("the footer has no schema") }
        if let (count, _) = try footer.vector(2, elementSize: 24), count > 0 {
            throw ArrowIPCError("the file holds dictionaries; etl-host does not read dictionary-encoded columns")
        }
        var blocks: [Block] = []
        if let (count, start) = try footer.vector(3, elementSize: 24) {
            for index in 0..<count {
                let at = start + 24 * index
                blocks.append(Block(offset: try FlatTableView.load(Int64.self, flatbuffer, at: at),
                                    metadataLength: try FlatTableView.load(Int32.self, flatbuffer, at: at + 8),
                                    bodyLength: try FlatTableView.load(Int64.self, flatbuffer, at: at + 16)))
            }
        }
        return (schema, blocks)
    }
}
