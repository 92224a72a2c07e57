import ETLPluginKit
import Foundation

/// Keeps what the extractor returned during a run, per stream, as an Arrow
/// IPC file of the extractor's own batches (typed, buffers compressed, see
/// ``ArrowIPCFileWriter``) with a manifest (see ``SnapshotManifest``), in
/// the run's `snapshot/` folder. `etl-host replay` rebuilds a load from
/// it without the source; pyarrow, polars and DuckDB open it
/// (docs/SNAPSHOTS.md).
///
/// ```swift
/// let snapshot = try SnapshotWriter(folder: store.snapshotFolder(runID), runID: runID, extractor: "csv")
/// let stream = try snapshot.begin(stream: "orders", schema: reader.schema, catalogEntry: entry)
/// while let batch = try reader.next() { try stream.append(batch) }
/// try stream.finish(state: checkpoint)
/// ```
final class SnapshotWriter {
    let folder: String
    let runID: String
    let extractor: String
    let compression: IPCCompression
    private var sequence = 0
    private let lock = NSLock()

    /// A writer into `folder`; `compression` defaults to
    /// `ETL_SNAPSHOT_COMPRESSION` (`none`, `lz4`, `zstd`) when set, else
    /// ``IPCCompression/default``.
    ///
    /// - Throws: `.invalidArgument` for an unknown `ETL_SNAPSHOT_COMPRESSION`;
    ///   `.io` when the folder cannot be made.
    init(folder: String, runID: String, extractor: String, compression: IPCCompression? = nil) throws {
        self.folder = folder
        self.runID = runID
        self.extractor = extractor
        self.compression = try compression ?? Self.configuredCompression()
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw HostError(.io, "cannot create the snapshot folder '\(folder)': \(error.localizedDescription)")
        }
    }

    /// The codec `ETL_SNAPSHOT_COMPRESSION` names, or the default.
    static func configuredCompression(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> IPCCompression {
        guard let name = environment["ETL_SNAPSHOT_COMPRESSION"], !name.isEmpty else { return .default }
        guard let compression = IPCCompression(rawValue: name) else {
            throw HostError(.invalidArgument, "ETL_SNAPSHOT_COMPRESSION is '\(name)'; use one of \(IPCCompression.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return compression
    }

    /// Starts the snapshot of one stream (any number may be open at once).
    func begin(stream: String, schema: ArrowBatchSchema, catalogEntry: String) throws -> StreamSnapshot {
        let number = lock.withLock { sequence += 1; return sequence }
        return try StreamSnapshot(folder: folder, number: number, compression: compression, manifest: SnapshotManifest(
            runID: runID, stream: stream, extractor: extractor, file: "\(number).arrow", rows: 0, sha256: "",
            bytes: 0, schema: SnapshotManifest.fields(of: schema), catalog: catalogEntry, state: nil,
            format: .arrowIPCFile, compression: compression))
    }
}

/// The snapshot of one stream being written: each batch is appended to
/// the IPC file as it arrives (compressed and hashed on the way, no
/// second pass over the file).
final class StreamSnapshot: @unchecked Sendable {
    // @unchecked: owned by the one thread that loads its stream (pass 1's reader or its write-behind, in turn).
    private var manifest: SnapshotManifest
    private let folder: String
    private let number: Int
    private let writer: ArrowIPCFileWriter
    private var finished = false

    fileprivate init(folder: String, number: Int, compression: IPCCompression, manifest: SnapshotManifest) throws {
        self.folder = folder
        self.number = number
        self.manifest = manifest
        writer = try ArrowIPCFileWriter(path: (folder as NSString).appendingPathComponent(manifest.file),
                                        schema: try manifest.arrowSchema(), compression: compression)
    }

    /// The data file's path.
    var path: String { writer.path }

    /// Appends every row of `batch`.
    func append(_ batch: ImportedBatch) throws {
        try writer.append(batch)
    }

    /// Closes the data file and writes the manifest (with the checkpoint);
    /// the stream's snapshot exists only once this is done.
    func finish(state: String?) throws {
        let summary = try writer.finish()
        finished = true
        manifest.rows = summary.rows
        manifest.sha256 = summary.sha256
        manifest.bytes = summary.bytes
        manifest.state = state
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(try encoder.encode(manifest),
                             to: (folder as NSString).appendingPathComponent("\(number).manifest.json"))
    }

    /// Removes what was written (a failed attempt: the retry writes anew).
    func discard() {
        if !finished { writer.discard() }
        try? FileManager.default.removeItem(atPath: writer.path)
        try? FileManager.default.removeItem(atPath: (folder as NSString).appendingPathComponent("\(number).manifest.json"))
    }
}
