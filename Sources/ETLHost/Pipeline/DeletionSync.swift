import CETLPlugin
import ETLPluginKit
import Foundation

/// Deletions (`--deletions`): the key listing of an incremental read, and
/// the keys the warehouse is told are still at the source.
struct DeletionSync {
    /// The upsert keys asked for (`--primary-key`); a key listing must use the stream's own.
    var primaryKey: [String]?
    /// Stops the listing at its next batch.
    var cancellation: Cancellation
    /// Told how many keys are listed so far (phase `listing keys`).
    weak var observer: (any SyncObserver)?

    /// Reads the keys of every record of `stream` at the source into a spool
    /// (before the load begins, so no transaction waits on the source) and
    /// returns how many there are.
    ///
    /// - Throws: `.invalidArgument` when the stream has no primary key of
    ///   its own or `--primary-key` names another one (nothing is read).
    func spoolKeys(of stream: CatalogStream, from source: PluginInstance, into path: String) throws -> Int {
        try checkKeyListing(stream)
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

    /// Whether the source's key listing can stand for `stream`'s keys: the
    /// stream has a primary key, and `--primary-key` is absent or the same.
    func checkKeyListing(_ stream: CatalogStream) throws {
        let streamKey = stream.primaryKey ?? []
        guard !streamKey.isEmpty, primaryKey == nil || primaryKey == streamKey else {
            throw HostError(.invalidArgument, "stream '\(stream.name)': --deletions with --incremental lists the stream's own primary key (\(streamKey.isEmpty ? "none" : streamKey.joined(separator: ","))); drop --primary-key or --incremental")
        }
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
