import ETLPluginKit
import Foundation

/// The snapshot a run kept (see ``SnapshotWriter``): its manifests, in the
/// order the run read its streams.
public struct Snapshot: Sendable {
    public let folder: String
    public let manifests: [SnapshotManifest]

    /// Reads the manifests of the snapshot in `folder`.
    ///
    /// - Throws: `.invalidArgument` when the run kept no snapshot (or it
    ///   was pruned); `.io` when a manifest is unreadable.
    public init(folder: String, runID: String) throws {
        self.folder = folder
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        let numbered = names.compactMap { name -> (Int, String)? in
            guard name.hasSuffix(".manifest.json"), let number = Int(name.dropLast(".manifest.json".count)) else { return nil }
            return (number, name)
        }.sorted { $0.0 < $1.0 }
        guard !numbered.isEmpty else {
            throw HostError(.invalidArgument, "run \(runID) has no snapshot to replay (it ran with --no-snapshot, read nothing, or its snapshot was pruned by --keep-snapshots)")
        }
        manifests = try numbered.map { _, name in
            let path = (folder as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path),
                  let manifest = try? JSONDecoder().decode(SnapshotManifest.self, from: data) else {
                throw HostError(.io, "the snapshot manifest '\(path)' is unreadable; run \(runID) cannot be replayed")
            }
            return manifest
        }
    }

    /// The batches of one stream, after checking the data file against the
    /// manifest (size and SHA-256).
    func open(_ manifest: SnapshotManifest) throws -> BatchStream {
        let path = (folder as NSString).appendingPathComponent(manifest.file)
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)??.intValue
        guard let size else {
            throw HostError(.io, "snapshot of stream '\(manifest.stream)': the data file '\(path)' is missing")
        }
        guard size == manifest.bytes, try FileDigest.hexDigest(ofFileAt: path) == manifest.sha256 else {
            throw HostError(.io, "snapshot of stream '\(manifest.stream)': '\(path)' does not match its manifest (\(size) bytes, expected \(manifest.bytes), or a different SHA-256); it was changed or damaged and is not replayed")
        }
        switch manifest.format {
        case .arrowIPCFile?: return try IPCSnapshotStream(path: path, manifest: manifest)
        case nil: return try JSONLinesSnapshotStream(path: path, manifest: manifest)
        }
    }
}

/// The extractor's batches of one stream, read back from an Arrow IPC
/// snapshot: as they were, no decoding beyond decompression.
final class IPCSnapshotStream: BatchStream {
    let schema: ArrowBatchSchema
    private let manifest: SnapshotManifest
    private let reader: ArrowIPCFileReader
    private var rows = 0

    init(path: String, manifest: SnapshotManifest) throws {
        self.manifest = manifest
        schema = try manifest.arrowSchema()
        do {
            reader = try ArrowIPCFileReader(path: path)
        } catch let error as ArrowIPCError {
            throw HostError(.io, "snapshot of stream '\(manifest.stream)': '\(path)' is not a readable Arrow IPC file: \(error)")
        }
        guard reader.schema == schema else {
            throw HostError(.io, "snapshot of stream '\(manifest.stream)': the columns of '\(path)' (\(reader.schema)) differ from its manifest's (\(schema))")
        }
    }

    func next() throws -> ImportedBatch? {
        let batch: ImportedBatch?
        do {
            batch = try reader.next()
        } catch let error as ArrowIPCError {
            throw HostError(.io, "snapshot of stream '\(manifest.stream)': '\(reader.path)': \(error)")
        }
        guard let batch else {
            guard rows == manifest.rows else {
                throw HostError(.io, "snapshot of stream '\(manifest.stream)': \(rows) rows, but the manifest says \(manifest.rows)")
            }
            return nil
        }
        rows += batch.rowCount
        return batch
    }
}

/// Rebuilds the extractor's batches of one stream from a snapshot written
/// before snapshots were Arrow IPC files (gzip JSON Lines, a manifest
/// without `format`).
final class JSONLinesSnapshotStream: BatchStream {
    let schema: ArrowBatchSchema
    private let manifest: SnapshotManifest
    private let reader: GzipLineReader
    private let builder: ArrowBatchBuilder
    private let scanner = JSONObjectScanner(duplicateKeys: .keepAll)  // fields with repeated names are written side by side
    private let keys: [[UInt8]]
    private var rows = 0

    init(path: String, manifest: SnapshotManifest) throws {
        self.manifest = manifest
        schema = try manifest.arrowSchema()
        reader = try GzipLineReader(path: path)
        builder = try ArrowBatchBuilder(schema: schema, capacity: 4096)
        keys = schema.fields.map { Array($0.name.utf8) }
    }

    func next() throws -> ImportedBatch? {
        while builder.rowCount < 4096 {
            let more = try reader.nextLine { line -> Bool in
                guard !line.isEmpty else { return true }
                try appendRow(line)
                return true
            }
            if more == nil { break }
        }
        guard builder.rowCount > 0 else {
            guard rows == manifest.rows else {
                throw HostError(.io, "snapshot of stream '\(manifest.stream)': \(rows) rows, but the manifest says \(manifest.rows)")
            }
            return nil
        }
        rows += builder.rowCount
        let array = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
        defer { array.deallocate() }
        try builder.finish(into: array)
        return try ImportedBatch(taking: array, schema: schema)
    }

    private func appendRow(_ line: UnsafeRawBufferPointer) throws {
        let members: JSONMembers
        do {
            members = try scanner.scan(line)
        } catch {
            throw corrupt("not a JSON object (\(error.message))")
        }
        for (index, field) in schema.fields.enumerated() {
            // The writer put the fields in schema order: look there first.
            let position = members.index(members.startIndex, offsetBy: index, limitedBy: members.endIndex)
            let member = position.flatMap { $0 < members.endIndex && members[$0].keyEquals(keys[index]) ? members[$0] : nil }
                ?? members.first(where: { $0.keyEquals(keys[index]) })
            guard let member, member.kind != .null else {
                builder.appendNull()
                continue
            }
            guard append(member, as: field.type) else {
                builder.discardRow()
                throw corrupt("field '\(field.name)' holds \(member.rawText.prefix(40)), not a \(field.type)")
            }
        }
        do { try builder.endRow() } catch { throw corrupt(error.message) }
    }

    private func append(_ member: JSONMember, as type: ArrowColumnType) -> Bool {
        switch type {
        case .null:
            builder.appendNull()
        case .bool:
            guard let value = member.boolValue else { return false }
            builder.append(value)
        case .int64:
            guard let value = member.int64Value else { return false }
            builder.append(value)
        case .float64:
            if member.kind == .string {
                switch member.stringValue {
                case "NaN": builder.append(Double.nan)
                case "Infinity": builder.append(Double.infinity)
                case "-Infinity": builder.append(-Double.infinity)
                default: return false
                }
            } else {
                guard let value = member.doubleValue else { return false }
                builder.append(value)
            }
        case .utf8:
            guard member.kind == .string else { return false }
            builder.appendUTF8(member.stringBytes, validate: false)
        case .binary:
            guard let text = member.stringValue, let data = Data(base64Encoded: text) else { return false }
            builder.appendBinary([UInt8](data))
        case .date32:
            guard member.kind == .string, let days = DateText.parseDate(member.stringBytes) else { return false }
            builder.appendDate32(daysSinceEpoch: days)
        case .timestampMicrosecondsUTC:
            guard member.kind == .string, let micros = DateText.parseTimestamp(member.stringBytes) else { return false }
            builder.appendTimestamp(microsecondsSinceEpoch: micros)
        }
        return true
    }

    private func corrupt(_ what: String) -> HostError {
        HostError(.io, "snapshot of stream '\(manifest.stream)', line \(reader.lineNumber): \(what)")
    }
}
