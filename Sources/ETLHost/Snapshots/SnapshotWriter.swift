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

/// The snapshot of one stream being written. Encoding and compression run
/// on a thread of their own, fed through a short queue (at most
/// ``queueLimit`` batch waits, so at most two batches are held and memory
/// stays flat), so that they overlap
/// with the load instead of adding to it; ``finish(state:)`` queues the
/// end and ``waitFinished()`` joins it before the load commits.
final class StreamSnapshot: @unchecked Sendable {
    private enum Job {
        case batch(ImportedBatch)
        case finish(String?)
        case abandon
    }

    /// Batches that may wait for the encoder.
    static let queueLimit = 1

    private var manifest: SnapshotManifest
    private let folder: String
    private let number: Int
    private let writer: GzipWriter
    private var line: [UInt8] = []
    private var scratch = [UInt8](repeating: 0, count: DateText.capacity)
    private let condition = NSCondition()
    private var queue: [Job] = []
    private var failure: (any Error)?
    private var ended = false

    fileprivate init(folder: String, number: Int, manifest: SnapshotManifest) throws {
        self.folder = folder
        self.number = number
        self.manifest = manifest
        writer = try GzipWriter(path: (folder as NSString).appendingPathComponent(manifest.file))
        line.reserveCapacity(1 << 20)
        let thread = Thread { [self] in work() }
        thread.name = "etl-host snapshot \(manifest.stream)"
        thread.start()
    }

    /// Queues every row of `batch` (waits while the queue is full).
    func append(_ batch: ImportedBatch) throws {
        try enqueue(.batch(batch))
    }

    /// Queues the end: the data file is closed and the manifest (with the
    /// checkpoint) written once every batch is; see ``waitFinished()``.
    func finish(state: String?) throws {
        try enqueue(.finish(state))
    }

    /// Waits until the snapshot is complete on disk.
    ///
    /// - Throws: the first failure of the encoder (a full disk, ...).
    func waitFinished() throws {
        condition.lock()
        defer { condition.unlock() }
        while !ended, failure == nil { condition.wait() }
        if let failure { throw failure }
    }

    /// Stops the encoder and removes what was written (a failed attempt:
    /// the retry writes anew).
    func discard() {
        condition.lock()
        if !ended {
            queue.append(.abandon)
            condition.broadcast()
            while !ended { condition.wait() }
        }
        condition.unlock()
        try? writer.close()
        try? FileManager.default.removeItem(atPath: (folder as NSString).appendingPathComponent(manifest.file))
        try? FileManager.default.removeItem(atPath: (folder as NSString).appendingPathComponent("\(number).manifest.json"))
    }

    private func enqueue(_ job: Job) throws {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= Self.queueLimit, failure == nil, !ended { condition.wait() }
        if let failure { throw failure }
        guard !ended else { throw HostError(.io, "snapshot of stream '\(manifest.stream)' already ended") }
        queue.append(job)
        condition.broadcast()
    }

    /// The encoder thread.
    private func work() {
        while true {
            condition.lock()
            while queue.isEmpty { condition.wait() }
            let job = queue.removeFirst()
            condition.broadcast()
            let failed = failure != nil
            condition.unlock()
            var last = false
            do {
                switch job {
                case .batch(let batch):
                    if !failed { try encode(batch) }
                case .finish(let state):
                    if !failed { try complete(state: state) }
                    last = true
                case .abandon:
                    last = true
                }
            } catch {
                condition.lock()
                failure = error
                condition.broadcast()
                condition.unlock()
            }
            if last {
                condition.lock()
                ended = true
                queue.removeAll()
                condition.broadcast()
                condition.unlock()
                return
            }
        }
    }

    /// Writes every row of `batch` as one JSON object per line.
    private func encode(_ batch: ImportedBatch) throws {
        line.removeAll(keepingCapacity: true)
        let names = batch.schema.fields.map { field -> [UInt8] in
            var quoted: [UInt8] = []
            Array(field.name.utf8).withUnsafeBytes { JSONStringWriter.append($0, to: &quoted) }
            quoted.append(UInt8(ascii: ":"))
            return quoted
        }
        let types = batch.schema.fields.map(\.type)
        for row in 0..<batch.rowCount {
            line.append(UInt8(ascii: "{"))
            for column in types.indices {
                if column > 0 { line.append(UInt8(ascii: ",")) }
                line.append(contentsOf: names[column])
                appendValue(batch, row: row, column: column, type: types[column])
            }
            line.append(UInt8(ascii: "}"))
            line.append(0x0A)
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
            line.append(contentsOf: Self.null)
            return
        }
        switch type {
        case .null:
            line.append(contentsOf: Self.null)
        case .bool:
            line.append(contentsOf: batch.bool(row: row, column: column)! ? Self.true : Self.false)
        case .int64:
            appendInteger(batch.int64(row: row, column: column)!)
        case .float64:
            let value = batch.double(row: row, column: column)!
            if value.isFinite {
                if let exact = Int64(exactly: value), abs(exact) < 1 << 53 {
                    appendInteger(exact)
                    line.append(contentsOf: Self.pointZero)
                } else {
                    line.append(contentsOf: "\(value)".utf8)
                }
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

    private static let null = Array("null".utf8)
    private static let `true` = Array("true".utf8)
    private static let `false` = Array("false".utf8)
    private static let pointZero = Array(".0".utf8)

    /// Decimal digits of `value`, without allocating.
    private func appendInteger(_ value: Int64) {
        if value < 0 { line.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[19 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            line.append(contentsOf: buffer[(20 - count)...])
        }
    }

    private func appendQuoted(_ format: (UnsafeMutablePointer<UInt8>) -> Int) {
        let count = scratch.withUnsafeMutableBufferPointer { format($0.baseAddress!) }
        line.append(UInt8(ascii: "\""))
        line.append(contentsOf: scratch[0..<count])
        line.append(UInt8(ascii: "\""))
    }

    /// Closes the data file and writes the manifest (with the checkpoint);
    /// the stream's snapshot exists only once this is done.
    private func complete(state: String?) throws {
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
