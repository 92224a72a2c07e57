import CETLPlugin
import ETLPluginKit
import Foundation

/// Deletions (`--deletions`): the key listing of an incremental read, and
/// the keys the warehouse is told are still at the source.
extension SyncRunner {
    /// Reads the keys of every record of `stream` at the source into a spool
    /// (before the load begins, so no transaction waits on the source) and
    /// returns how many there are.
    func spoolKeys(of stream: SourceCatalog.Stream, from source: PluginInstance, into path: String) throws -> Int {
        guard !stream.primaryKey.isEmpty, request.primaryKey == nil || request.primaryKey == stream.primaryKey else {
            throw HostError(.invalidArgument, "stream '\(stream.name)': --deletions with --incremental lists the stream's own primary key (\(stream.primaryKey.isEmpty ? "none" : stream.primaryKey.joined(separator: ","))); drop --primary-key or --incremental")
        }
        let reader = try source.read(stream: stream.name, keysOnly: true)
        let spool = try ArrowIPCFileWriter(path: path, schema: reader.schema)
        var rows = 0
        while let batch = try reader.next() {
            try spool.append(batch)
            rows += batch.rowCount
            observer?.streamProgress(stream.name, phase: "listing keys", rows: rows)
            try cancellation.check("listing the keys of stream '\(stream.name)'")
        }
        _ = try spool.finish()
        return rows
    }

    /// Tells the writer which keys are still at the source: the spooled key
    /// listing, or (after a full read, `keySpool` nil) none beyond the rows
    /// written, which the warehouse counts as present.
    func writePresentKeys(_ keySpool: String?, keys: [String], schema: TableSchema, stream: String, writer: WarehouseWriter) throws {
        let keyColumns = keys.compactMap { key in schema.columns.first { $0.name == key } }
        let converter = try BatchConverter(schema: TableSchema(table: schema.table, stream: stream, columns: keyColumns), stream: stream)
        let array = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
        defer { array.deallocate() }
        var sent = false
        if let keySpool {
            let spooled = try SpoolBatchReader(path: keySpool, stream: stream)
            while let batch = try spooled.next() {
                array.initialize(to: ArrowArray())
                try converter.convert(batch, into: array)
                try writer.writePresentKeys(array)
                sent = true
            }
        }
        if !sent {
            let empty = try ArrowBatchBuilder(schema: writer.keySchema, capacity: 1)
            array.initialize(to: ArrowArray())
            try empty.finish(into: array)
            try writer.writePresentKeys(array)
        }
    }
}
