import ETLPluginKit
import Foundation

/// The manifest of one stream of a run's snapshot,
/// `<run>/snapshot/<n>.manifest.json`, next to its data file
/// `<n>.jsonl.gz`: what is needed to rebuild the load without the source.
///
/// ```json
/// {"version": 1, "run_id": "…", "stream": "orders", "extractor": "csv",
///  "file": "1.jsonl.gz", "rows": 3, "sha256": "…", "bytes": 123,
///  "schema": [{"name": "id", "format": "u", "nullable": true, "metadata": []}],
///  "catalog": "{\"name\":\"orders\",\"primary_key\":[\"id\"]}",
///  "state": "{\"since\":\"…\"}"}
/// ```
///
/// The data file holds one JSON object per record, the fields of the
/// extractor's Arrow batches in schema order: text as strings, numbers and
/// booleans as JSON, dates as `YYYY-MM-DD`, timestamps as
/// `YYYY-MM-DDTHH:MM:SS.ffffffZ`, binary as base64, non-finite doubles as
/// the strings `NaN`, `Infinity`, `-Infinity`.
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

    enum CodingKeys: String, CodingKey {
        case version, stream, extractor, file, rows, sha256, bytes, schema, catalog, state
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

    static func fields(of schema: ArrowBatchSchema) -> [Field] {
        schema.fields.map { field in
            Field(name: field.name, format: field.type.format, nullable: field.nullable,
                  metadata: field.metadata.entries.map { [$0.key, $0.value] })
        }
    }
}
