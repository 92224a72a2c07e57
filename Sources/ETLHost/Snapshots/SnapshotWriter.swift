import ETLPluginKit
import Foundation

/// Keeps what the extractor returned during a run, per stream, as gzip
/// JSON Lines with a manifest (see ``SnapshotManifest``), in the run's
/// `snapshot/` folder. `etl-host replay` rebuilds a load from it without
/// the source.
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
    private var sequence = 0
    private let lock = NSLock()

    init(folder: String, runID: String, extractor: String) throws {
        self.folder = folder
        self.runID = runID
        self.extractor = extractor
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw HostError(.io, "cannot create the snapshot folder '\(folder)': \(error.localizedDescription)")
        }
    }

    /// Starts the snapshot of one stream (any number may be open at once).
    func begin(stream: String, schema: ArrowBatchSchema, catalogEntry: String) throws -> StreamSnapshot {
        let number = lock.withLock { sequence += 1; return sequence }
        return try StreamSnapshot(folder: folder, number: number, manifest: SnapshotManifest(
            runID: runID, stream: stream, extractor: extractor, file: "\(number).jsonl.gz", rows: 0, sha256: "",
            bytes: 0, schema: SnapshotManifest.fields(of: schema), catalog: catalogEntry, state: nil))
    }
}

/// The snapshot of one stream being written.
final class StreamSnapshot {
    private var manifest: SnapshotManifest
    private let folder: String
    private let number: Int
    private let writer: GzipWriter
    private var line: [UInt8] = []
    private var scratch = [UInt8](repeating: 0, count: DateText.capacity)

    fileprivate init(folder: String, number: Int, manifest: SnapshotManifest) throws {
        self.folder = folder
        self.number = number
        self.manifest = manifest
        writer = try GzipWriter(path: (folder as NSString).appendingPathComponent(manifest.file))
        line.reserveCapacity(1 << 16)
    }

    /// Appends every row of `batch` as one JSON object per line.
    func append(_ batch: ImportedBatch) throws {
        line.removeAll(keepingCapacity: true)
        let names = batch.schema.fields.map { field -> [UInt8] in
            var quoted: [UInt8] = []
            Array(field.name.utf8).withUnsafeBytes { JSONStringWriter.append($0, to: &quoted) }
            quoted.append(UInt8(ascii: ":"))
            return quoted
        }
        for row in 0..<batch.rowCount {
            line.append(UInt8(ascii: "{"))
            for (column, field) in batch.schema.fields.enumerated() {
                if column > 0 { line.append(UInt8(ascii: ",")) }
                line.append(contentsOf: names[column])
                appendValue(batch, row: row, column: column, type: field.type)
            }
            line.append(contentsOf: [UInt8(ascii: "}"), 0x0A])
            if line.count >= 1 << 20 {
                try writer.write(line)
                line.removeAll(keepingCapacity: true)
            }
        }
        try writer.write(line)
        manifest.rows += batch.rowCount
    }

    private func appendValue(_ batch: ImportedBatch, row: Int, column: Int, type: ArrowColumnType) {
        if type == .null || batch.isNull(row: row, column: column) {
            line.append(contentsOf: "null".utf8)
            return
        }
        switch type {
        case .null:
            line.append(contentsOf: "null".utf8)
        case .bool:
            line.append(contentsOf: batch.bool(row: row, column: column)! ? "true".utf8 : "false".utf8)
        case .int64:
            line.append(contentsOf: String(batch.int64(row: row, column: column)!).utf8)
        case .float64:
            let value = batch.double(row: row, column: column)!
            if value.isFinite {
                line.append(contentsOf: "\(value)".utf8)
            } else {
                line.append(contentsOf: (value.isNaN ? "\"NaN\"" : value > 0 ? "\"Infinity\"" : "\"-Infinity\"").utf8)
            }
        case .utf8:
            JSONStringWriter.append(batch.utf8(row: row, column: column)!, to: &line)
        case .binary:
            let bytes = Data(batch.binary(row: row, column: column)!)
            line.append(UInt8(ascii: "\""))
            line.append(contentsOf: bytes.base64EncodedString().utf8)
            line.append(UInt8(ascii: "\""))
        case .date32:
            let days = Int64(batch.date32(row: row, column: column)!)
            appendQuoted { DateText.writeDate(daysSinceEpoch: days, into: $0) }
        case .timestampMicrosecondsUTC:
            let micros = batch.timestamp(row: row, column: column)!
            appendQuoted { DateText.writeTimestamp(microsecondsSinceEpoch: micros, into: $0) }
        }
    }

    private func appendQuoted(_ format: (UnsafeMutablePointer<UInt8>) -> Int) {
        let count = scratch.withUnsafeMutableBufferPointer { format($0.baseAddress!) }
        line.append(UInt8(ascii: "\""))
        line.append(contentsOf: scratch[0..<count])
        line.append(UInt8(ascii: "\""))
    }

    /// Removes what was written (a failed attempt: the retry writes anew).
    func discard() {
        try? writer.close()
        try? FileManager.default.removeItem(atPath: (folder as NSString).appendingPathComponent(manifest.file))
        try? FileManager.default.removeItem(atPath: (folder as NSString).appendingPathComponent("\(number).manifest.json"))
    }

    /// Closes the data file and writes the manifest (with the checkpoint);
    /// the stream's snapshot exists only once this returns.
    func finish(state: String?) throws {
        try writer.close()
        let path = (folder as NSString).appendingPathComponent(manifest.file)
        manifest.sha256 = try SHA256.hexDigest(ofFileAt: path)
        manifest.bytes = Int((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)??.intValue ?? 0)
        manifest.state = state
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(try encoder.encode(manifest),
                             to: (folder as NSString).appendingPathComponent("\(number).manifest.json"))
    }
}
