import ETLPluginKit
import Foundation

/// The manifest of one stream of a run's snapshot,
/// `<run>/snapshot/<n>.manifest.json`, next to its data file: what is
/// needed to rebuild the load without the source.
///
/// ```json
/// {"version": 1, "format": "arrow_ipc_file", "compression": "zstd",
///  "run_id": "…", "stream": "orders", "extractor": "csv",
///  "file": "1.arrow", "rows": 3, "sha256": "…", "bytes": 123,
///  "schema": [{"name": "id", "format": "u", "nullable": true, "metadata": []}],
///  "catalog": "{\"name\":\"orders\",\"primary_key\":[\"id\"]}",
///  "state": "{\"since\":\"…\"}"}
/// ```
///
/// The data file is an Arrow IPC file of the extractor's batches as they
/// came (``ArrowIPCFileWriter``). Manifests written before that have no
/// `format`: their data file `<n>.jsonl.gz` holds one JSON object per
/// record (text as strings, dates as `YYYY-MM-DD`, timestamps as
/// `YYYY-MM-DDTHH:MM:SS.ffffffZ`, binary as base64, non-finite doubles as
/// the strings `NaN`, `Infinity`, `-Infinity`), read by
/// ``JSONLinesSnapshotStream``.
public struct SnapshotManifest: Codable, Sendable, Equatable {
    /// One column of the extractor's batches.
    public struct Field: Codable, Sendable, Equatable {
        public var name: String
        /// The Arrow format (`u`, `l`, `g`, `b`, `z`, `tdD`, `tsu:UTC`, `n`).
        public var format: String
        public var nullable: Bool
        /// The field's Arrow metadata, as `[key, value]` pairs.
        public var metadata: [[String]]
    }

    public var version = 1
    public var runID: String
    public var stream: String
    public var extractor: String
    /// The data file, relative to the manifest.
    public var file: String
    public var rows: Int
    /// SHA-256 of the data file's bytes (compressed), hex.
    public var sha256: String
    /// Size of the data file.
    public var bytes: Int
    public var schema: [Field]
    /// The stream's catalog entry, as the extractor gave it (JSON text).
    public var catalog: String
    /// The extractor's checkpoint after the read, if any (JSON text).
    public var state: String?
    /// How the data file is encoded; `nil` in manifests of earlier
    /// versions (gzip JSON Lines).
    public var format: SnapshotFormat?
    /// The compression of the IPC file's buffers (`nil` for JSON Lines).
    public var compression: IPCCompression?

    enum CodingKeys: String, CodingKey {
        case version, stream, extractor, file, rows, sha256, bytes, schema, catalog, state, format, compression
        case runID = "run_id"
    }

    /// The Arrow schema of the batches.
    public func arrowSchema() throws -> ArrowBatchSchema {
        try ArrowBatchSchema(schema.map { field in
            guard let type = ArrowColumnType(format: field.format) else {
                throw HostError(.io, "snapshot of stream '\(stream)' (run \(runID)): field '\(field.name)' has format '\(field.format)', which ABI v1 does not know")
            }
            return ArrowField(field.name, type, metadata: ArrowMetadata(field.metadata.compactMap { pair in
                pair.count == 2 ? ArrowMetadata.Entry(pair[0], pair[1]) : nil
            }), nullable: field.nullable)
        })
    }

    /// The manifest of a snapshot in `format` (the memberwise initializer
    /// with the format last).
    init(runID: String, stream: String, extractor: String, file: String, rows: Int, sha256: String, bytes: Int,
         schema: [Field], catalog: String, state: String?, format: SnapshotFormat?, compression: IPCCompression?) {
        (self.runID, self.stream, self.extractor, self.file, self.rows) = (runID, stream, extractor, file, rows)
        (self.sha256, self.bytes, self.schema, self.catalog, self.state) = (sha256, bytes, schema, catalog, state)
        (self.format, self.compression) = (format, compression)
    }

    static func fields(of schema: ArrowBatchSchema) -> [Field] {
        schema.fields.map { field in
            Field(name: field.name, format: field.type.format, nullable: field.nullable,
                  metadata: field.metadata.entries.map { [$0.key, $0.value] })
        }
    }
}

/// How a snapshot's data file is encoded.
public enum SnapshotFormat: String, Codable, Sendable {
    /// An Arrow IPC file (since the typed snapshot).
    case arrowIPCFile = "arrow_ipc_file"
}

extension IPCCompression: Codable {}
